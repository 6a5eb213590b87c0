// What both engines share: a call is run again after a Retryable failure,
// with the connection recovered in between, until the busy timeout; other
// failures go straight through.
#include <doctest/doctest.h>

#include "pairkit/core/database.hpp"

using namespace pairkit;
using namespace pairkit::db;
using namespace std::chrono_literals;

namespace {

// A connection that only counts recoveries; with_retries needs no more.
class Recovering final : public Connection {
public:
  explicit Recovering(std::chrono::milliseconds timeout) : Connection("fake://db", timeout) {}
  DbEngine engine() const override { return DbEngine::postgres; }
  Statement prepare(std::string_view, std::string_view) override { throw InputError("no statements here"); }
  Statement cached(std::string_view, std::string_view) override { throw InputError("no statements here"); }
  void exec(const char*, std::string_view) override {}
  void begin() override {}
  void commit() override {}
  void rollback() noexcept override {}
  void recover() override {
    ++recoveries;
    if (server_down) throw Retryable("still down");
  }
  int migrate(const Schema&) override { return 0; }
  ChangeStamp change_stamp() override { return {}; }
  [[noreturn]] void fail(std::string_view what) const override { throw InputError(std::string(what)); }

  int recoveries = 0;
  bool server_down = false;
};

}  // namespace

TEST_CASE("a call that fails with Retryable runs again after the connection recovers") {
  Recovering c(5s);
  int runs = 0;
  const int got = with_retries(c, [&] {
    if (++runs < 3) throw Retryable("lost the connection");
    return 42;
  });
  CHECK(got == 42);
  CHECK(runs == 3);
  CHECK(c.recoveries == 2);
}

TEST_CASE("other failures are not run again") {
  Recovering c(5s);
  int runs = 0;
  CHECK_THROWS_WITH_AS(with_retries(c, [&] {
                         ++runs;
                         throw CheckFailed("not paired");
                       }),
                       "not paired", CheckFailed);
  CHECK(runs == 1);
  CHECK(c.recoveries == 0);
}

TEST_CASE("a failure that lasts past the busy timeout is thrown, as an InputError") {
  Recovering c(100ms);
  c.server_down = true;
  int runs = 0;
  CHECK_THROWS_WITH_AS(with_retries(c, [&] {
                         ++runs;
                         throw Retryable("lost the connection to fake://db");
                       }),
                       "lost the connection to fake://db", InputError);
  CHECK(runs >= 2);
  CHECK(runs < 20);  // backoff, not a busy loop
}
