// The [check] listener's stream (see plain_stream.hpp).
#include "pairkit/gate/plain_stream.hpp"

#include <poll.h>

namespace pairkit::gate {

bool PlainStream::input_ready() noexcept {
  pollfd p{socket_.native_handle(), POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

}  // namespace pairkit::gate
