// Package pkcs11keys is a warehouse.KeyStore whose keys live in an HSM
// reached by PKCS#11: the province's root key, which signs the trust list,
// and the agencies' credential signing keys. It uses
// github.com/ThalesGroup/crypto11 (and, through it, miekg/pkcs11, which
// needs cgo).
//
// # Keys never leave the token
//
// Key(name, keys.ES256) finds the key pair whose CKA_LABEL is name or,
// the first time, has the token generate one (CKM_EC_KEY_PAIR_GEN on
// P-256). The private half is created with
//
//	CKA_TOKEN true          kept in the token, not in the session
//	CKA_PRIVATE true        visible only after login
//	CKA_SENSITIVE true      its value is never returned in the clear
//	CKA_EXTRACTABLE false   nor wrapped (encrypted) out of the token
//	CKA_SIGN true, CKA_DERIVE false
//
// and PKCS#11 lets no one turn SENSITIVE off or EXTRACTABLE on once set;
// the token records that with CKA_ALWAYS_SENSITIVE and
// CKA_NEVER_EXTRACTABLE. The process gets a handle, sends digests in and
// gets signatures back (keys.NewSigner); the returned *keys.PrivateKey
// refuses MarshalJSON (keys.ErrNotExportable). The tests read the object
// with the raw PKCS#11 API to show it: CKA_VALUE is refused
// (CKR_ATTRIBUTE_SENSITIVE), C_WrapKey is refused (CKR_KEY_UNEXTRACTABLE)
// and so is setting CKA_EXTRACTABLE.
//
// Only ES256 keys are issued: crypto11 has no Ed25519 (CKM_EDDSA), so
// Key(name, keys.EdDSA) is ErrUnsupportedAlg. Credentials signed by HSM
// keys are ES256; the wallet verifies both algorithms.
//
// # What this protects against
//
// Suppose an attacker has the warehouse's database (a stolen backup, a
// replica) and full control of an API host, but not the HSM itself nor
// its PIN written down elsewhere. Then:
//
//   - With the database alone: nothing can be signed. The database holds
//     public keys and kids only.
//   - With the API host: while they control it they can ask the HSM for
//     signatures (the process is logged in, and the PIN is in its
//     configuration), so they can issue credentials and trust lists for
//     as long as they hold the host. They cannot copy a key: once they are
//     evicted, or the host's PIN is changed or its HSM partition is
//     revoked, they sign nothing more, and no key needs to be replaced
//     because none left the HSM. Without this package (FileKeys) the key
//     files leave with the attacker and every key must be rotated and
//     removed from the trust list.
//   - Their signatures are real ones, under the real kids: detection is
//     the audit log and the HSM's own log of operations, and the answer is
//     the trust list's rule for compromise (remove the key, or move its
//     NotAfter back; see crypto/trust), not merely rotation.
//
// Keep the PIN out of the database and out of the repository (an
// environment variable or a file readable only by the service); a
// network HSM can additionally require the client's certificate, and
// many let the security officer give the API hosts a role that can sign
// but cannot create or delete objects, in which case every key is made
// beforehand by an operator with this same code.
//
// # One key per name
//
// Every API process asks for the same names. Key generates under the
// Store's mutex and an flock on Config.LockFile, and looks for the name
// once more after taking them, so goroutines and processes of one host
// that ask for a new name at once all get one key. Processes on several
// hosts do not share an flock: let one host (or an operator) create the
// keys first. If the token ever holds two key pairs with one label, Key
// returns ErrDuplicateKey instead of choosing one.
//
// The Store caches the keys it has returned; an operator who deletes a
// key from the token must restart the processes (their signatures fail
// until then).
//
// # Opening
//
// Open logs in at once, so a missing module (ErrNoModule), a token that
// is not there (ErrNoToken: removed, not initialised or mislabelled) and a
// wrong PIN (ErrWrongPIN; ErrPINLocked after too many) are reported when
// the service starts, not at its first signature. PKCS#11 login belongs to
// the process: Open also refuses a PIN that differs from the one another
// open Store of the same token logged in with, which the token itself
// would not check again. Opens of one host take the Config.LockFile flock
// while they log in (SoftHSM 2.6 misreads its token file when two
// processes log in at once).
//
// # Tokens: SoftHSM2 for tests, an HSM for a province
//
// The tests and development use SoftHSM2, a software token in files:
//
//	eval "$(tools/softhsm.sh init bin/hsm warehouse 1234)"   # SOFTHSM2_CONF=…, PKCS11_MODULE=…
//	export SOFTHSM2_CONF
//	pkcs11keys.Open(pkcs11keys.Config{Module: PKCS11_MODULE, TokenLabel: "warehouse", PIN: "1234"})
//
// SoftHSM keeps the keys encrypted under the PIN in its token directory,
// so it protects no better than the files beside it: it is for tests.
// A province uses the same code with its HSM vendor's PKCS#11 library as
// Module (Thales Luna's libCryptoki2_64.so, Utimaco's libcs_pkcs11_R3.so,
// AWS CloudHSM's libcloudhsm_pkcs11.so, YubiHSM's yubihsm_pkcs11.so ...),
// the label of the partition or slot the HSM's officer made for the
// warehouse, and that partition's crypto-user PIN. Configure the vendor
// library as its manual says (its own configuration file or environment
// variables, read when the module loads: once per process).
//
// BenchmarkSignES256 compares signatures per second with a token key and
// with a software key. A network HSM adds a round trip to every
// signature, and credentials are issued per device at sync: size the HSM
// (or its partitions) for the province's sync rate, not its size.
package pkcs11keys
