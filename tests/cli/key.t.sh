# key gen | pub | info — every key type, encryption, openssl as the oracle, error paths.
echo secret-pass >pass.txt

for type in p256 p384 ed25519 rsa2048; do
  t 0 '' '^$' -- pk -q key gen --type $type -o $type.key
  mode_is 600 $type.key
  check "openssl reads the $type key" openssl pkey -in $type.key -noout
  t 0 '^-----BEGIN PUBLIC KEY-----' '' -- pk key pub $type.key
  check "key pub equals openssl's SPKI for $type" bash -c "diff <(pk key pub $type.key) <(openssl pkey -in $type.key -pubout)"
done
check "rsa3072 and rsa4096 generate" bash -c 'pk key gen --type rsa3072 -o r3.key && pk key gen --type rsa4096 -o r4.key && openssl pkey -in r4.key -noout -text | grep -q "4096 bit"'

# Encrypted PKCS#8 that openssl opens with the passphrase, and only with it.
t 0 '' '' -- pk key gen --type p256 -o enc.key --passphrase-file pass.txt
check "PEM says ENCRYPTED" grep -q 'BEGIN ENCRYPTED PRIVATE KEY' enc.key
check "openssl decrypts it" openssl pkey -in enc.key -passin file:pass.txt -noout
t 0 'spki pin: +sha256//' '' -- pk key info enc.key --passphrase-file pass.txt
echo wrong >wrong.txt
t 3 '^$' 'wrong passphrase' -- pk key info enc.key --passphrase-file wrong.txt
t 3 '^$' 'is encrypted' -- pk key pub enc.key
t 0 '' '' --env KEYPASS=secret-pass -- pk key pub enc.key --passphrase-env KEYPASS
t 3 '' 'KEYPASS2 is not set' -- pk key pub enc.key --passphrase-env KEYPASS2

# stdin/stdout pipes, like wg genkey | wg pubkey.
check "key gen -o - | key pub -" bash -c 'pk key gen -o - | pk key pub - | grep -q "BEGIN PUBLIC KEY"'
t 0 '"type": "ed25519"' '' -- pk --json key info ed25519.key
check "key info pin equals openssl's pipeline" bash -c '
  mine=$(pk --json key info p256.key | python3 -c "import json,sys; print(json.load(sys.stdin)[\"spki_pin\"])")
  theirs=sha256//$(openssl pkey -in p256.key -pubout -outform der | openssl dgst -sha256 -binary | base64)
  [ "$mine" = "$theirs" ]'

# Refusals and bad input: each one line, right exit code, nothing written.
t 3 '' 'p256.key exists \(use --force' -- pk key gen -o p256.key
t 0 '' '' -- pk -q key gen -o p256.key --force
t 2 '' "unknown key type 'dsa1024'" -- pk key gen --type dsa1024 -o dsa.key
absent dsa.key
t 2 '' 'json needs -o FILE' -- pk --json key gen
t 3 '' 'cannot open missing.key' -- pk key pub missing.key
echo "garbage" >garbage.key
t 3 '' 'garbage.key' -- pk key pub garbage.key
head -c 100 p256.key >trunc.key
t 3 '' 'truncated' -- pk key info trunc.key
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout o.key -out o.crt -subj /CN=o -days 1 2>/dev/null
t 3 '' 'certificate where a key is needed' -- pk key pub o.crt
t 0 'type: +p256' '' -- pk key info o.key
t 2 '' 'KEY is required' -- pk key pub
t 2 '' '' -- pk key frobnicate

# An output path that is a symbolic link: refused without --force (the link
# counts as an existing file, dangling or not); with --force the link itself
# is replaced by the new file and what it pointed to is never written.
echo 'not a key' >victim.txt
ln -s victim.txt link.key
ln -s nowhere/dangling.txt dangling.key
t 3 '' 'link.key exists \(use --force' -- pk key gen -o link.key
t 3 '' 'dangling.key exists \(use --force' -- pk key gen -o dangling.key
t 0 '' '' -- pk -q key gen -o link.key --force
t 0 '' '' -- pk -q key gen -o dangling.key --force
check "the link was replaced by a regular 0600 key file" bash -c '[ ! -L link.key ] && [ -f link.key ] && [ "$(stat -c %a link.key)" = 600 ] && pk key info link.key >/dev/null'
check "the file the link pointed to is untouched" bash -c '[ "$(cat victim.txt)" = "not a key" ]'
check "nothing was written where the dangling link pointed" bash -c '[ ! -L dangling.key ] && [ ! -e nowhere ]'
