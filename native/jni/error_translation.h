// Turns any exception from the core into the categorised std::runtime_error of the JNI error contract
// (see merba_jni.h). C++ exceptions must never cross into the JVM untranslated or uncaught.
#pragma once

#include <c10/util/Exception.h>

#include "checkpoint/checkpoint_error.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace merba::jni {

inline constexpr const char* kInvalidArgument = "InvalidArgument: ";
inline constexpr const char* kNativeError = "NativeError: ";
// Followed by the kind's name and "]: ", e.g. "Checkpoint[MISSING_KEY]: model.safetensors: tensor 'x' is missing".
inline constexpr const char* kCheckpointError = "Checkpoint[";

template <typename F>
auto translate_errors(F&& body) -> decltype(body()) {
  try {
    return std::forward<F>(body)();
  } catch (const checkpoint::CheckpointError& e) {
    throw std::runtime_error(std::string(kCheckpointError) + checkpoint::kind_name(e.kind()) + "]: " + e.what());
  } catch (const c10::ValueError& e) {
    throw std::runtime_error(std::string(kInvalidArgument) + e.what_without_backtrace());
  } catch (const c10::TypeError& e) {
    throw std::runtime_error(std::string(kInvalidArgument) + e.what_without_backtrace());
  } catch (const c10::IndexError& e) {
    throw std::runtime_error(std::string(kInvalidArgument) + e.what_without_backtrace());
  } catch (const c10::Error& e) {
    throw std::runtime_error(std::string(kNativeError) + e.what_without_backtrace());
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string(kInvalidArgument) + e.what());
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(kNativeError) + e.what());
  } catch (...) {
    throw std::runtime_error(std::string(kNativeError) + "unknown C++ exception");
  }
}

}  // namespace merba::jni
