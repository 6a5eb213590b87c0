# Hostile input: what an attacker hands pairkit where a certificate, a CRL,
# a restore point, a photo or a script is expected. Each case ends with the
# contract's exit code and one line, within generous bounds on time and peak
# memory (bounded, in lib.sh), and leaves nothing half-written.
craft="$DATA/hostile/craft.py"

# A certificate, key, CSR or CRL expected; a 2 GB sparse file, /dev/zero or an
# endless FIFO given. Each is refused while reading, in the memory its
# limit allows: a few MiB for a certificate or key, 512 MiB for a CRL (its
# --max-crl-size lowers that; from a pipe or a device the buffer briefly holds
# half again as much while it grows, pairkit(1) INPUT LIMITS).
truncate -s 2G sparse.pem
echo 'correct horse' >pass.txt
for cmd in "cert info" "key info" "key pub" "fingerprint" "crl info"; do
  t 3 '' 'sparse.pem is larger than' -- bounded 10 64 pk $cmd sparse.pem
done
for cmd in "cert info" "key info" "key pub" "fingerprint"; do
  t 3 '' '/dev/zero is larger than' -- bounded 30 64 pk $cmd /dev/zero
done
t 3 '' '/dev/zero is larger than 512 MiB, the limit for a CRL' -- bounded 60 900 pk crl info /dev/zero
t 3 '' '/dev/zero is larger than 1 MiB, the limit for a CRL' -- bounded 30 64 pk crl info /dev/zero --max-crl-size 1M
t 3 '' 'standard input is larger than' --stdin /dev/zero -- bounded 30 64 pk cert info -
t 3 '' 'sparse.pem is larger than' -- bounded 10 64 pk crl check --crl sparse.pem sparse.pem
t 3 '' 'sparse.pem is larger than' -- bounded 10 64 pk pin list --store sparse.pem
t 3 '' 'sparse.pem is larger than' -- bounded 10 64 pk sim run sparse.pem
t 3 '' 'sparse.pem is larger than' -- bounded 10 64 pk --config sparse.pem key gen -o never.key
absent never.key
t 3 '' '' -- bounded 10 64 pk qr scan sparse.pem
t 3 '' 'sparse.pem: not an age file' -- bounded 10 64 pk backup inspect sparse.pem --passphrase-file pass.txt
mkfifo endless.fifo
t 3 '' 'endless.fifo is larger than' -- bounded 30 64 bash -c 'cat /dev/zero >endless.fifo 2>/dev/null & pk cert info endless.fifo; s=$?; kill $! 2>/dev/null; wait; exit $s'
# A FIFO whose writer goes away without a word: the command sees an empty file.
t 3 '' 'endless.fifo is empty' -- bounded 10 64 bash -c 'sleep 1 >endless.fifo & pk cert info endless.fifo; s=$?; wait; exit $s'
# (A peer that accepts and never speaks is pin.t.sh's: --timeout ends the wait.)

# DER nested 100,000 deep, definite and indefinite lengths, DER and PEM.
"$craft" deep-der deep.der 100000
"$craft" deep-ber deep-ber.der 100000
{ echo '-----BEGIN CERTIFICATE-----'; base64 -w 64 deep.der; echo '-----END CERTIFICATE-----'; } >deep.pem
for f in deep.der deep-ber.der deep.pem; do
  for cmd in "cert info" "key info" "fingerprint" "crl info"; do
    t 3 '' "$f" -- bounded 10 64 pk $cmd $f
  done
done
t 3 '' 'deep.der' -- bounded 10 64 pk crl check --crl deep.der deep.pem

# Images: headers that declare billions of pixels, and decompression bombs.
"$craft" png huge-header.png 2147483647 2147483647
"$craft" png-bomb bomb.png 30000 30000
"$craft" png-bomb small-bomb.png 4000 4000
"$craft" jpeg-header huge-header.jpg 65500 65500
"$craft" pgm-header huge-header.pgm 100000 100000
convert -size 4000x4000 xc:white -quality 10 bomb.jpg
t 3 '' 'huge-header.png: the image is 2147483647x2147483647 = [0-9]+ pixels, more than the limit' -- bounded 10 64 pk qr scan huge-header.png
t 3 '' 'bomb.png: the image is 30000x30000 = 900000000 pixels, more than the limit' -- bounded 10 64 pk qr scan bomb.png
t 3 '' 'huge-header.pgm: the image is 100000x100000' -- bounded 10 64 pk qr scan huge-header.pgm
t 3 '' 'huge-header.jpg: ' -- bounded 10 64 pk qr scan huge-header.jpg
t 3 '' 'small-bomb.png: the image is 4000x4000 = 16000000 pixels, more than the limit of 1000000' -- bounded 10 64 pk qr scan small-bomb.png --max-pixels 1000000
t 3 '' 'bomb.jpg: the image is 4000x4000 = 16000000 pixels, more than the limit of 1000000' -- bounded 10 64 pk qr scan bomb.jpg --max-pixels 1000000
# Under the limit, a bomb costs what its pixels cost, and no more.
t 1 '' 'no QR code found in small-bomb.png' -- bounded 60 400 pk qr scan small-bomb.png

# Restore points: an age header with 10,000 stanzas or a 1 MB line; a tar
# entry that declares a terabyte; 200,000 tar entries. Nothing is restored.
pk -q backup keygen -o id.txt >recipient.txt
R=$(cat recipient.txt)
pk -q device init --serial H-1 --dir dev >/dev/null
pk -q backup create --from dev -o good.age -r "$R"
age -d -i id.txt good.age | tar -xO manifest.toml >manifest.toml
"$craft" age-stanzas stanzas.age 10000
"$craft" age-long-line long-line.age 1048576
"$craft" tar-huge-entry huge-entry.tar manifest.toml
"$craft" tar-many many.tar manifest.toml 200000
"$craft" tar-huge-manifest huge-manifest.tar
age -r "$R" -o huge-manifest.age huge-manifest.tar
age -r "$R" -o huge-entry.age huge-entry.tar
age -r "$R" -o many.age many.tar
t 3 '' 'stanzas.age: wrong passphrase, or not encrypted to this identity' -- bounded 30 64 pk backup restore stanzas.age -i id.txt --to out1
t 3 '' 'long-line.age: malformed age header: header line too long' -- bounded 10 64 pk backup restore long-line.age -i id.txt --to out2
t 3 '' "huge-entry.age: malformed tar header for 'key.pem'" -- bounded 10 64 pk backup restore huge-entry.age -i id.txt --to out3
t 3 '' "many.age: refused: archive entry 'f000000' is not in the manifest" -- bounded 30 64 pk backup restore many.age -i id.txt --to out4
t 3 '' "many.age: refused" -- bounded 30 64 pk backup verify many.age -i id.txt
t 3 '' 'huge-manifest.age: refused: manifest.toml declares 8589934591 bytes, more than the 1048576' -- bounded 10 64 pk backup restore huge-manifest.age -i id.txt --to out5
absent out1 out2 out3 out4 out5
check "no staging folder left behind" bash -c '! ls -a | grep -q "restore-"'

# TOML nested as deep as 1 MiB allows, in a script, a pin store and a
# configuration file: arrays, inline tables, keys of half a million dotted
# segments (each a table: they overflowed the stack), and inline tables 250
# deep under 32-segment keys (the deepest the limits leave: 8,000 tables).
for kind in array:100000 inline:100000 header:520000 dotted:520000 inline-dotted:250; do
  depth=${kind#*:} kind=${kind%%:*}
  "$craft" toml-nested nested-$kind.toml $kind $depth
  t 3 '' "nested-$kind.toml" -- bounded 10 64 pk sim run nested-$kind.toml
  t 3 '' "nested-$kind.toml" -- bounded 10 64 pk pin list --store nested-$kind.toml
  t 3 '' "nested-$kind.toml" -- bounded 10 64 pk --config nested-$kind.toml key gen -o never.key
done
absent never.key

# Simulation scripts: one at the 1 MiB size limit runs its 2,000 steps (the
# step limit) within bounds; one byte more, or one step more, is refused
# before anything runs.
"$craft" sim-script at-limit.toml 1048576 1998
"$craft" sim-script over-size.toml 1048577 10
"$craft" sim-script over-steps.toml 1048576 1999
check "at-limit.toml is 1 MiB" bash -c '[ "$(stat -c %s at-limit.toml)" = 1048576 ]'
t 0 '' '' -- bounded 120 200 pk sim run at-limit.toml --seed 7 --profile modern --out at-limit
t 3 '' 'over-size.toml is larger than 1 MiB' -- bounded 10 64 pk sim run over-size.toml
t 3 '' 'over-steps.toml: 2001 steps, more than the limit of 2000 \(--max-steps\)' -- bounded 10 64 pk sim run over-steps.toml
t 3 '' 'more than the limit of 10' -- bounded 10 64 pk sim run at-limit.toml --max-steps 10
t 3 '' 'more than the limit of 10' --env PAIRKIT_SIM_MAX_STEPS=10 -- bounded 10 64 pk sim run at-limit.toml

# CRLs built against the revocation index: a million entries of one serial,
# and a million serials alike in their first 12 bytes (ca.t.sh and
# bench/crl.sh hold the details; here, only the bounds).
python3 "$here/make-crl.py" dup.der 1000000 duplicate
python3 "$here/make-crl.py" alike.der 1000000 prefix
t 3 '' 'dup.der lists serial 01 more than once' -- bounded 60 200 pk crl info dup.der
t 3 '' 'dup.der lists serial 01 more than once' -- bounded 60 200 pk crl check --crl dup.der deep.pem
t 0 'revoked: +1000000' '' -- bounded 120 200 pk crl info alike.der
