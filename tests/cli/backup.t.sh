# backup keygen | create | inspect | verify | restore — round trips, the real
# age CLI both ways, and every refusal the issue names (exit 3, one line,
# nothing restored).
craft="$DATA/backup/craft.py"
echo 'correct horse' >pass.txt
echo 'wrong horse' >wrong.txt
fp() { pk fingerprint "$1" | head -1; }
no_staging() { ! ls -a "${1:-.}" | grep -q '\.restore-'; }

pk -q device init --serial T-100 --dir term >/dev/null
printf '[[pin]]\nname = "gate"\n' >term/pins.toml
printf '[key]\ntype = "p256"\n' >term/pairkit.toml
echo 'not backed up unless asked' >term/notes.txt
sqlite3 term/pairing.db 'create table pairing(serial text, state text); insert into pairing values ("T-100", "paired");'

# keygen: identity 0600, recipient on stdout; the real age reads the identity.
t 0 '^age1[02-9ac-hj-np-z]{58}$' '' -- pk backup keygen -o id.txt
mode_is 600 id.txt
R=$OUT
check "age-keygen -y derives the same recipient" bash -c "[ \"\$(age-keygen -y id.txt)\" = $R ]"
t 3 '' 'id.txt exists \(use --force' -- pk backup keygen -o id.txt
pk -q backup keygen -o other-id.txt >/dev/null
t 0 '"recipient": "age1' '' -- pk --json backup keygen -o id3.txt
t 2 '' 'json needs -o FILE' -- pk --json backup keygen
t 2 '' 'json needs -o FILE' -- pk --json backup create --from term -o - -r "$R"
t 0 '"file": "rpj.age"' '' -- pk --json backup create --from term -o rpj.age -r "$R"
check "keygen -o - writes the identity to stdout, the recipient to stderr" bash -c 'pk backup keygen -o - 2>&1 >/dev/null | grep -q "^Public key: age1"'
check "create -o - streams a restore point that verifies from stdin" bash -c "pk -q backup create --from term -o - -r $R | pk backup verify - -i id.txt | grep -q '^ok: standard input'"

# create to a recipient: 0600, listed by age | tar -t, manifest first.
t 0 '^$' 'wrote restore point rp.age .*6 files' -- pk backup create --from term -o rp.age --recipient "$R"
mode_is 600 rp.age
check "age -d | tar -t lists manifest.toml first, then the files" bash -c \
  'age -d -i id.txt rp.age | tar -t | tr "\n" " " | grep -qx "manifest.toml key.pem cert.pem device.toml pins.toml pairing.db pairkit.toml "'
check "age -d | tar -x gives back the key without pairkit" bash -c \
  'mkdir plain && age -d -i id.txt rp.age | tar -x -C plain && cmp plain/key.pem term/key.pem && cmp plain/cert.pem term/cert.pem'
t 3 '' 'rp.age exists \(use --force' -- pk backup create --from term -o rp.age --recipient "$R"
# A restore point written over a symbolic link with --force replaces the link, never its target.
echo 'keep me' >elsewhere.txt && ln -s elsewhere.txt rp-link.age
t 3 '' 'rp-link.age exists \(use --force' -- pk backup create --from term -o rp-link.age --recipient "$R"
t 0 '' '' -- pk -q backup create --from term -o rp-link.age --recipient "$R" --force
check "the link became the restore point; its old target is untouched" bash -c '[ ! -L rp-link.age ] && [ "$(cat elsewhere.txt)" = "keep me" ] && pk -q backup verify rp-link.age -i id.txt'

# inspect / verify.
t 0 'device: +T-100 \(terminal\)' '' -- pk backup inspect rp.age --identity id.txt
check "inspect lists the SQLite snapshot" grep -q 'pairing.db  (SQLite snapshot)' <(pk backup inspect rp.age -i id.txt)
t 0 '"serial": "T-100"' '' -- pk --json backup inspect rp.age -i id.txt
t 0 '^ok: rp.age: device T-100, 6 files, every SHA-256 matches' '' -- pk backup verify rp.age -i id.txt
t 0 '"key_checked": true' '' -- pk --json backup verify rp.age -i id.txt
t 3 '' 'rp.age: wrong passphrase, or not encrypted to this identity' -- pk backup verify rp.age -i other-id.txt
t 3 '' 'rp.age: wrong passphrase, or not encrypted to this identity' -- pk backup inspect rp.age --passphrase-file pass.txt
t 2 '' 'give --identity FILE, --passphrase-file' -- pk backup verify rp.age

# restore: same fingerprint, 0700/0600, registry rows intact.
t 0 'restored device T-100 \(terminal\) to new' '' -- pk backup restore rp.age --to new -i id.txt
check "restored cert has the original fingerprint" bash -c "[ \"\$(pk fingerprint term/cert.pem)\" = \"\$(pk fingerprint new/cert.pem)\" ]"
check "restored key equals the original" cmp term/key.pem new/key.pem
mode_is 700 new
mode_is 600 new/key.pem
mode_is 600 new/cert.pem
check "restored registry has its row" bash -c '[ "$(sqlite3 new/pairing.db "select state from pairing")" = paired ]'
absent new/notes.txt
check "no staging folder left" no_staging

# an occupied target: refused, then --force keeps the old identity aside.
t 3 '' 'new already holds a device identity \(use --force' -- pk backup restore rp.age --to new -i id.txt
mkdir occupied && echo x >occupied/file
t 3 '' 'occupied is not empty' -- pk backup restore rp.age --to occupied -i id.txt
pk -q device init --serial OLD-1 --dir old >/dev/null
old_fp=$(fp old/cert.pem)
t 0 'restored device T-100' 'kept in old.previous-' -- pk backup restore rp.age --to old -i id.txt --force
check "the previous identity is kept whole" bash -c "[ \"\$(pk fingerprint old.previous-*/cert.pem | head -1)\" = \"$old_fp\" ]"
check "the target now holds the restored identity" bash -c "[ \"\$(pk fingerprint old/cert.pem)\" = \"\$(pk fingerprint term/cert.pem)\" ]"
mkdir empty
t 0 '' '' -- pk -q backup restore rp.age --to empty -i id.txt

# passphrases: file, environment; wrong one; armor; --include; work factor limits.
t 0 '' '' -- pk -q backup create --from term -o pp.age --passphrase-file pass.txt --work-factor 10 --armor --include notes.txt
check "armored output starts with the age armor line" bash -c 'head -1 pp.age | grep -qx -- "-----BEGIN AGE ENCRYPTED FILE-----"'
t 0 '7 files' '' --env BK_PASS='correct horse' -- pk backup verify pp.age --passphrase-env BK_PASS
t 3 '' 'pp.age: wrong passphrase, or not encrypted to this identity' -- pk backup restore pp.age --to wp --passphrase-file wrong.txt
absent wp
t 3 '' 'pp.age: wrong passphrase' -- pk backup verify pp.age -i id.txt
t 0 '' '' -- pk -q backup restore pp.age --to withnotes --passphrase-file pass.txt
check "--include brought notes.txt" cmp term/notes.txt withnotes/notes.txt
t 2 '' 'work-factor' -- pk backup create --from term -o wf.age --passphrase-file pass.txt --work-factor 23
t 2 '' 'give either a passphrase or --recipient' -- pk backup create --from term -o both.age --passphrase-file pass.txt -r "$R"
t 2 '' 'give --recipient age1' -- pk backup create --from term -o none.age
t 2 '' "recipient 'age1bogus'" -- pk backup create --from term -o bad.age -r age1bogus
t 2 '' 'give a path inside term' -- pk backup create --from term -o inc.age -r "$R" --include ../pass.txt
t 3 '' 'term/missing.txt' -- pk backup create --from term -o inc.age -r "$R" --include missing.txt
mkdir nodev
t 3 '' 'nodev holds no device identity' -- pk backup create --from nodev -o nodev.age -r "$R"
absent wf.age both.age none.age bad.age inc.age nodev.age
cp -r term mism && pk -q key gen -o mism/key.pem --force
t 3 '' 'mism/key.pem does not match mism/cert.pem' -- pk backup create --from mism -o mism.age -r "$R"
absent mism.age

# An encrypted device key is backed up as is; verify says it could not check it.
pk -q device init --serial ENC-1 --dir enc --passphrase-file pass.txt >/dev/null
t 0 '' '' -- pk -q backup create --from enc -o enc.age -r "$R"
t 0 'the key is encrypted \(not checked' '' -- pk backup verify enc.age -i id.txt
t 0 '"key_checked": false' '' -- pk --json backup verify enc.age -i id.txt

# A live SQLite registry (WAL, rows not yet checkpointed) is snapshotted, not copied raw.
python3 -c '
import sqlite3, sys, time
db = sqlite3.connect("term/pairing.db")
db.execute("pragma journal_mode=wal"); db.execute("pragma wal_autocheckpoint=0")
db.execute("insert into pairing values (\"T-200\", \"pending\")"); db.commit()
open("wal-ready", "w").close(); time.sleep(20)' &
holder=$!
for _ in $(seq 50); do [ -e wal-ready ] && break; sleep 0.1; done
t 0 '' '' -- pk -q backup create --from term -o live.age -r "$R"
kill $holder 2>/dev/null; wait $holder 2>/dev/null
t 0 '' '' -- pk -q backup restore live.age --to live -i id.txt
check "the snapshot holds the row still in the WAL" bash -c '[ "$(sqlite3 live/pairing.db "select count(*) from pairing")" = 2 ]'
check "the snapshot passes integrity_check" bash -c '[ "$(sqlite3 live/pairing.db "pragma integrity_check")" = ok ]'

# Damaged files: truncated, one flipped byte (header, MAC, nonce, payload, last byte).
size=$(stat -c %s rp.age)
head -c $((size - 100)) rp.age >trunc.age
t 3 '' 'trunc.age: .*truncated' -- pk backup restore trunc.age --to t1 -i id.txt
absent t1
head -c 200 rp.age >trunc2.age
t 3 '' 'trunc2.age: ' -- pk backup verify trunc2.age -i id.txt
for pos in 30 100 $(($(grep -abo -- '^---' rp.age | cut -d: -f1) + 10)) $((size / 2)) $((size - 1)); do
  cp rp.age flip.age
  printf "$(printf '\\x%02x' $(( $(od -An -tu1 -j$pos -N1 rp.age) ^ 1 )))" | dd of=flip.age bs=1 seek=$pos conv=notrunc status=none
  t 3 '' 'flip.age: ' -- pk backup restore flip.age --to f1 -i id.txt
  absent f1
done
check "no staging folder left after failures" no_staging

# Valid age files that are not restore points, or lie about their contents.
echo "hello" | age -r "$R" >notrp.age
t 3 '' 'notrp.age is an age file but not a pairkit restore point' -- pk backup restore notrp.age --to n1 -i id.txt
absent n1
age -d -i id.txt rp.age >rp.tar
remake() { python3 "$craft" "$@" <rp.tar | age -r "$R" >crafted.age; }
remake notfirst
t 3 '' 'not a pairkit restore point \(its first entry is not manifest.toml\)' -- pk backup inspect crafted.age -i id.txt
remake hash
t 3 '' 'cert.pem has SHA-256 [0-9a-f]+, the manifest says' -- pk backup restore crafted.age --to h1 -i id.txt
absent h1
t 3 '' 'cert.pem has SHA-256' -- pk backup verify crafted.age -i id.txt
pk -q key gen -o stranger.key
remake key stranger.key
t 3 '' 'key.pem does not match .*cert.pem' -- pk backup restore crafted.age --to k1 -i id.txt
absent k1
remake symlink
t 3 '' "refused: archive entry 'link.pem' is not a regular file" -- pk backup restore crafted.age --to s1 -i id.txt
absent s1
remake absolute
t 3 '' "refused: archive entry '/tmp/pairkit-evil' has an absolute path or '..'" -- pk backup restore crafted.age --to a1 -i id.txt
absent a1 /tmp/pairkit-evil
remake dotdot
t 3 '' "refused: archive entry '../evil.pem' has an absolute path" -- pk backup restore crafted.age --to d1 -i id.txt
absent d1 evil.pem
remake unlisted
t 3 '' "refused: archive entry 'extra.bin' is not in the manifest" -- pk backup restore crafted.age --to u1 -i id.txt
absent u1
{ cat rp.tar; printf 'more'; } | age -r "$R" >trailing.age
t 3 '' '^pairkit: error: trailing.age: refused: data after the end of the archive$' -- pk backup restore trailing.age --to tr1 -i id.txt
absent tr1
check "no staging folder left after refusals" no_staging

# Interop with the real age: decrypt + re-encrypt restores; passphrases both
# ways (age 1.1.1 reads them only from a terminal: drive it with script).
age -r "$R" -o reenc.age rp.tar
t 0 'restored device T-100' '' -- pk backup restore reenc.age --to reenc -i id.txt
check "pairkit's age identity file works with age -d" bash -c 'age -d -i id.txt rp.age | cmp - rp.tar'
printf 'correct horse\ncorrect horse\n' | script -qec "age -p -o agepass.age rp.tar" /dev/null >/dev/null
t 0 '^ok: agepass.age' '' -- pk backup verify agepass.age --passphrase-file pass.txt
pk -q backup create --from term -o pkpass.age --passphrase-file pass.txt --work-factor 12
pk backup verify pkpass.age --passphrase-file pass.txt >/dev/null
printf 'correct horse\n' | script -qec "age -d -o pkpass.tar pkpass.age" /dev/null >/dev/null
check "age -d decrypts a pairkit passphrase restore point" bash -c 'tar -tf pkpass.tar | head -1 | grep -qx manifest.toml'
check "age -d reads pairkit's armor" bash -c 'printf "correct horse\n" | script -qec "age -d -o pp.tar pp.age" /dev/null >/dev/null && tar -tf pp.tar | grep -qx notes.txt'

# A 40 MiB file: past the size where the payload cipher moves from Botan to
# libcrypto and where the file starts being flushed as it grows. The real
# age reads what pairkit wrote, pairkit restores what age re-encrypted, and
# a byte flipped 10 MiB in (a chunk libcrypto opens) is still refused.
pk -q device init --serial LARGE-1 --dir large >/dev/null
head -c $((40 << 20)) /dev/urandom >large/big.bin
t 0 '' '' -- pk -q backup create --from large -o large.age -r "$R" --include big.bin
check "age -d | tar -x gives back a 40 MiB file" bash -c 'mkdir lx && age -d -i id.txt large.age | tar -x -C lx && cmp lx/big.bin large/big.bin'
t 0 'restored device LARGE-1' '' -- pk backup restore large.age --to large-back -i id.txt
check "pairkit restores the 40 MiB file" cmp large-back/big.bin large/big.bin
age -d -i id.txt large.age | age -r "$R" -o large-reenc.age
t 0 'restored device LARGE-1' '' -- pk backup restore large-reenc.age --to large-back2 -i id.txt
check "pairkit restores the 40 MiB file age encrypted" cmp large-back2/big.bin large/big.bin
cp large.age large-flip.age
# XOR, as above: writing a fixed byte would leave the file as it was
# whenever the ciphertext already held that value (one time in 256).
pos=$((10 << 20))
printf "$(printf '\\x%02x' $(( $(od -An -tu1 -j$pos -N1 large-flip.age) ^ 0x55 )))" | dd of=large-flip.age bs=1 seek=$pos conv=notrunc status=none
t 3 '' 'large-flip.age: payload chunk 160 does not authenticate' -- pk backup restore large-flip.age --to large-flip -i id.txt
absent large-flip
check "no staging folder left after the large failure" no_staging

# Without a usable libcrypto (here a libcrypto.so.3 with none of its
# functions, found first), Botan does all the work: the same format, both ways.
if [[ -n $PAIRKIT_SANITIZED ]]; then
  for what in "backup create with a libcrypto that has nothing" "age -d reads what Botan alone encrypted" \
    "backup restore with a libcrypto that has nothing" "Botan alone restores what libcrypto encrypted"; do
    skip "$what" "the sanitizer build links Botan as a shared library, whose libtspi needs the real libcrypto"
  done
else
  mkdir -p fakelib && echo 'int pairkit_not_libcrypto;' | cc -shared -fPIC -o fakelib/libcrypto.so.3 -x c -
  t 0 '' '' -- env LD_LIBRARY_PATH=$PWD/fakelib "$PAIRKIT" -q backup create --from large -o botan.age -r "$R" --include big.bin
  check "age -d reads what Botan alone encrypted" bash -c 'age -d -i id.txt botan.age | tar -xO big.bin | cmp - large/big.bin'
  t 0 'restored device LARGE-1' '' -- env LD_LIBRARY_PATH=$PWD/fakelib "$PAIRKIT" backup restore large.age --to botan-back -i id.txt
  check "Botan alone restores what libcrypto encrypted" cmp botan-back/big.bin large/big.bin
fi
rm -rf large lx large-back large-back2 large.age large-reenc.age large-flip.age fakelib botan.age botan-back

# Read-only and full file systems: exit 3, nothing half-written, the old identity intact.
# restore_onto_full SIZE RESTORE_POINT SERIAL: mounts a SIZE tmpfs on full/
# holding an identity, and restores over it (the caller unmounts).
restore_onto_full() {
  mount -t tmpfs -o size="$1" tmpfs full
  pk -q device init --serial "$3" --dir full/dev >/dev/null
  local before
  before=$(fp full/dev/cert.pem)
  t 3 '' '^pairkit: error: cannot write .*: No space left on device$' -- pk backup restore "$2" --to full/dev -i id.txt --force
  check "full, $2: the old identity is intact" bash -c "[ \"\$(pk fingerprint full/dev/cert.pem | head -1)\" = \"$before\" ]"
  check "full, $2: nothing half-written beside it" bash -c '[ "$(ls -A full)" = dev ]'
}

if mkdir -p ro full && mount -t tmpfs -o size=1m tmpfs ro 2>/dev/null; then
  pk -q device init --serial RO-1 --dir ro/dev >/dev/null
  ro_fp=$(fp ro/dev/cert.pem)
  mount -o remount,ro ro
  t 3 '' 'cannot restore to ro/dev: .*Read-only file system' -- pk backup restore rp.age --to ro/dev -i id.txt --force
  check "read-only: the old identity is intact" bash -c "[ \"\$(pk fingerprint ro/dev/cert.pem | head -1)\" = \"$ro_fp\" ]"
  umount ro
  head -c 400000 /dev/urandom >term/big.bin
  pk -q backup create --from term -o big.age -r "$R" --include big.bin
  restore_onto_full 256k big.age FULL-1
  umount full
  # The same with a 12 MiB file, which a thread of its own writes (restore)
  # or which the encrypting thread writes (create): its error still ends the
  # command with one line, and nothing is left.
  pk -q device init --serial HUGE-1 --dir huge >/dev/null
  head -c $((12 << 20)) /dev/urandom >huge/big.bin
  pk -q backup create --from huge -o huge.age -r "$R" --include big.bin
  restore_onto_full 8m huge.age FULL-2
  mkdir full/out
  t 3 '' '^pairkit: error: cannot write full/out/huge2.age: No space left on device$' -- pk backup create --from huge -o full/out/huge2.age -r "$R" --include big.bin
  check "full, large create: no temporary file left" bash -c '[ -z "$(ls -A full/out)" ]'
  umount full
  rm -rf huge huge.age
else
  echo "note: cannot mount tmpfs here (not root?): read-only and full file system rows not run"
fi
