// Where the processes of one data-parallel run or fan-out meet: torchrun's variables (RANK, WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT) or a file on a shared file system, as one JSON document across JNI.
#pragma once

#include <cstdint>
#include <string>

namespace merba::distributed {

struct Rendezvous {
  int64_t rank = 0;
  int64_t world_size = 1;
  std::string master_addr = "127.0.0.1";  // rank 0 serves the TCP store there
  int64_t master_port = 29500;
  std::string store_path;                  // non-empty: a c10d FileStore at this path instead of TCP
  int64_t timeout_ms = 300000;             // rendezvous, store reads and collectives

  // {"rank", "world_size", "master_addr", "master_port", "store_path", "timeout_ms"}; unknown keys refused.
  static Rendezvous from_json(const std::string& text);
  void validate() const;  // std::invalid_argument naming the bad value
};

}  // namespace merba::distributed
