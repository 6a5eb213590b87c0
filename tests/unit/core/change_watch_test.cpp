// ChangeWatch on real folders: what counts as a change, what does not, and
// folders that appear, move or go away.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "pairkit/core/change_watch.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/temp_dir.hpp"

using namespace pairkit;

namespace {

void put(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::app) << text; }

}  // namespace

TEST_CASE("ChangeWatch: named files, written, made, renamed; other files in their folder do not count") {
  TempDir tmp;
  const std::string db = tmp.path() + "/pairing.db";
  put(db, "x");
  ChangeWatch w({db, db + "-wal"}, {});
  CHECK(w.changed());  // the first look cannot know
  CHECK_FALSE(w.changed());
  put(db, "y");
  CHECK(w.changed());
  CHECK_FALSE(w.changed());
  put(tmp.path() + "/gate.log", "a line");
  CHECK_FALSE(w.changed());
  put(db + "-wal", "frame");  // made
  CHECK(w.changed());
  CHECK_FALSE(w.changed());
  put(tmp.path() + "/new.db", "z");
  CHECK(std::rename((tmp.path() + "/new.db").c_str(), db.c_str()) == 0);  // replaced
  CHECK(w.changed());
  CHECK_FALSE(w.changed());
}

TEST_CASE("ChangeWatch: a tree sees its folders' files and folders made later, and a root that appears") {
  TempDir tmp;
  const std::string config = tmp.path() + "/config";
  ChangeWatch w({}, {config});
  CHECK(w.changed());
  CHECK_FALSE(w.changed());
  make_dirs(config);  // the root appears in its parent
  CHECK(w.changed());
  CHECK_FALSE(w.changed());
  make_dirs(config + "/TERM-1");
  CHECK(w.changed());
  CHECK_FALSE(w.changed());
  put(config + "/TERM-1/vpn.conf", "remote a");  // inside a folder made after the watch
  CHECK(w.changed());
  CHECK_FALSE(w.changed());
  put(config + "/TERM-1/vpn.conf", "remote b");  // edited in place
  CHECK(w.changed());
  CHECK(std::rename((config + "/TERM-1").c_str(), (config + "/TERM-2").c_str()) == 0);
  CHECK(w.changed());
  CHECK_FALSE(w.changed());
  put(config + "/TERM-2/motd", "hello");  // the renamed folder is watched under its new name
  CHECK(w.changed());
  CHECK_FALSE(w.changed());
  std::filesystem::remove_all(config);
  CHECK(w.changed());
  CHECK_FALSE(w.changed());
  make_dirs(config + "/default");
  CHECK(w.changed());
}
