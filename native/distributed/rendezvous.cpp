#include "distributed/rendezvous.h"

#include <set>
#include <stdexcept>

#include "util/json.h"

namespace merba::distributed {

Rendezvous Rendezvous::from_json(const std::string& text) {
  const util::Json doc = util::Json::parse(text);
  static const std::set<std::string> known{"rank", "world_size", "master_addr", "master_port", "store_path",
                                           "timeout_ms"};
  util::reject_unknown_keys(doc, known, "rendezvous");
  Rendezvous r;
  util::read_optional(doc, "rank", r.rank);
  util::read_optional(doc, "world_size", r.world_size);
  util::read_optional(doc, "master_addr", r.master_addr);
  util::read_optional(doc, "master_port", r.master_port);
  util::read_optional(doc, "store_path", r.store_path);
  util::read_optional(doc, "timeout_ms", r.timeout_ms);
  r.validate();
  return r;
}

void Rendezvous::validate() const {
  auto invalid = [](const std::string& message) { throw std::invalid_argument("rendezvous: " + message); };
  if (world_size < 1) invalid("world_size must be >= 1, got " + std::to_string(world_size));
  if (rank < 0 || rank >= world_size) {
    invalid("rank must be in [0, world_size) = [0, " + std::to_string(world_size) + "), got " + std::to_string(rank));
  }
  if (store_path.empty()) {
    if (master_addr.empty()) invalid("master_addr is empty (set MASTER_ADDR, or give a store file)");
    if (master_port < 1 || master_port > 65535) {
      invalid("master_port must be in [1, 65535], got " + std::to_string(master_port));
    }
  }
  if (timeout_ms < 1) invalid("timeout_ms must be >= 1, got " + std::to_string(timeout_ms));
}

}  // namespace merba::distributed
