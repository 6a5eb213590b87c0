// Writeback: a file being written is flushed on a second thread once it is
// large, and sync() reports a failure of either thread.
#include <cerrno>
#include <string>

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include "pairkit/core/temp_dir.hpp"
#include "pairkit/core/writeback.hpp"

using namespace pairkit;

TEST_CASE("Writeback: a large file is flushed as it grows, and sync() succeeds") {
  TempDir dir;
  const std::string path = dir.path() + "/f";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  REQUIRE(fd >= 0);
  {
    Writeback wb(fd);
    const std::string data(4096, 'x');
    REQUIRE(::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
    // The count is what drives it; a short file with a large count still flushes fine.
    wb.wrote_up_to(Writeback::kFlushStep);
    wb.wrote_up_to(3 * Writeback::kFlushStep);
    CHECK(wb.sync() == 0);
  }
  ::close(fd);
}

TEST_CASE("Writeback: sync() reports a flush failure (a pipe cannot be synced)") {
  int p[2];
  REQUIRE(::pipe(p) == 0);
  {
    Writeback small(p[1]);
    small.wrote_up_to(4096);  // below kFlushStep: no thread, the final fsync fails
    CHECK(small.sync() == EINVAL);
  }
  {
    Writeback large(p[1]);
    large.wrote_up_to(2 * Writeback::kFlushStep);  // the flushing thread meets the error first
    CHECK(large.sync() == EINVAL);
  }
  ::close(p[0]);
  ::close(p[1]);
}
