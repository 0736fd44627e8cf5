package pkcs11keys

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ThalesGroup/crypto11"
	"github.com/miekg/pkcs11"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

// Sentinel errors; match them with errors.Is. Open's errors name the
// module and the token as well.
var (
	// ErrNoModule: the PKCS#11 module (Config.Module) does not exist or
	// cannot be loaded and initialised.
	ErrNoModule = errors.New("PKCS#11 module not loadable")
	// ErrNoToken: the module has no token with Config.TokenLabel (it was
	// removed, never initialised, or the label is wrong).
	ErrNoToken = errors.New("no such token")
	// ErrWrongPIN: the token refused Config.PIN.
	ErrWrongPIN = errors.New("wrong PIN")
	// ErrPINLocked: the token has locked its user PIN after too many wrong
	// ones; its security officer must unlock it.
	ErrPINLocked = errors.New("PIN locked")
	// ErrUnsupportedAlg: Key was asked for an algorithm the store does not
	// issue. It issues ES256 (P-256) only.
	ErrUnsupportedAlg = errors.New("the HSM key store issues ES256 (P-256) keys only")
	// ErrDuplicateKey: the token holds more than one key pair with the
	// name asked for (made outside this package, or by processes on two
	// hosts at once); which one the trust list means cannot be guessed.
	ErrDuplicateKey = errors.New("more than one key pair with that label")
	// ErrClosed: the Store was closed.
	ErrClosed = errors.New("key store closed")
)

// MaxNameLen is the longest key name (CKA_LABEL) Key accepts.
const MaxNameLen = 128

// Config says which token to use.
type Config struct {
	// Module is the path of the vendor's PKCS#11 library, e.g.
	// /usr/lib/softhsm/libsofthsm2.so.
	Module string
	// TokenLabel selects the token (CKA_LABEL of the token, not of a key).
	TokenLabel string
	// PIN is the token's user PIN (CKU_USER).
	PIN string
	// LockFile is the file whose flock serialises key generation between
	// the processes of one host. The default is a file in os.TempDir()
	// named after Module and TokenLabel; set it when the processes do not
	// share a temporary directory (systemd's PrivateTmp).
	LockFile string
}

// Store is a warehouse.KeyStore in a PKCS#11 token. It is safe for
// concurrent use; the keys it returns are safe for concurrent use too and
// sign until the Store is closed.
type Store struct {
	cfg      Config
	ctx      *crypto11.Context
	lockPath string
	reg      string // key in opened

	mu     sync.Mutex // serialises Key and Close in this Store
	cache  map[string]*keys.PrivateKey
	closed bool
}

var _ warehouse.KeyStore = (*Store)(nil)

// opened counts the open Stores of each module and token with the hash of
// the PIN they logged in with. PKCS#11 login state belongs to the process,
// not to a session: once one Store is logged in, C_Login for a second one
// answers CKR_USER_ALREADY_LOGGED_IN without looking at its PIN (crypto11
// accepts that), so Open compares the PIN itself.
var (
	openedMu sync.Mutex
	opened   = map[string]*openToken{}
)

type openToken struct {
	pin [32]byte
	n   int
}

// Open loads cfg.Module, finds the token labelled cfg.TokenLabel and logs
// in with cfg.PIN, so a missing module (ErrNoModule), a missing token
// (ErrNoToken) or a wrong PIN (ErrWrongPIN, ErrPINLocked) fails here, not
// at the first signature.
//
// The module is loaded once per process and shared by every Store using
// it: SoftHSM reads SOFTHSM2_CONF when the first one opens, and unloads
// when the last one closes.
func Open(cfg Config) (*Store, error) {
	switch {
	case cfg.Module == "":
		return nil, errors.New("pkcs11keys: open: no PKCS#11 module path (Config.Module)")
	case cfg.TokenLabel == "":
		return nil, errors.New("pkcs11keys: open: no token label (Config.TokenLabel)")
	case cfg.PIN == "":
		return nil, fmt.Errorf("pkcs11keys: open: no PIN for token %q (Config.PIN)", cfg.TokenLabel)
	}
	if st, err := os.Stat(cfg.Module); err != nil {
		return nil, fmt.Errorf("pkcs11keys: open: %w: %w", ErrNoModule, err)
	} else if st.IsDir() {
		return nil, fmt.Errorf("pkcs11keys: open: %w: %s is a directory", ErrNoModule, cfg.Module)
	}
	lockPath := cfg.LockFile
	if lockPath == "" {
		sum := sha256.Sum256([]byte(cfg.Module + "\x00" + cfg.TokenLabel))
		lockPath = filepath.Join(os.TempDir(), "pkcs11keys-"+hex.EncodeToString(sum[:8])+".lock")
	}

	// Processes of one host log in one at a time: SoftHSM 2.6's file store
	// rewrites token.object at every C_Login, and a process initialising
	// or logging in meanwhile can read it half-written (CKR_GENERAL_ERROR,
	// or no token at all). Open is rare; a real HSM does not mind.
	unlock, err := lockFile(lockPath)
	if err != nil {
		return nil, fmt.Errorf("pkcs11keys: open: %w", err)
	}
	s, err := open(cfg, lockPath)
	if uerr := unlock(); err == nil && uerr != nil {
		s.Close()
		return nil, fmt.Errorf("pkcs11keys: open: %w", uerr)
	}
	return s, err
}

// open does Open's work under the lock, which also keeps the login and the
// PIN check of register together.
func open(cfg Config, lockPath string) (*Store, error) {
	ctx, err := crypto11.Configure(&crypto11.Config{
		Path:       cfg.Module,
		TokenLabel: cfg.TokenLabel,
		Pin:        cfg.PIN,
	})
	if err != nil {
		return nil, openError(cfg, err)
	}
	s := &Store{cfg: cfg, ctx: ctx, lockPath: lockPath, cache: map[string]*keys.PrivateKey{}}
	if err := s.register(); err != nil {
		ctx.Close()
		return nil, err
	}
	return s, nil
}

// register records s in opened, refusing a PIN that differs from the one
// an open Store of the same token logged in with.
func (s *Store) register() error {
	s.reg = s.cfg.Module + "\x00" + s.cfg.TokenLabel
	pin := sha256.Sum256([]byte(s.cfg.PIN))
	openedMu.Lock()
	defer openedMu.Unlock()
	o := opened[s.reg]
	if o == nil {
		opened[s.reg] = &openToken{pin: pin, n: 1}
		return nil
	}
	if subtle.ConstantTimeCompare(o.pin[:], pin[:]) != 1 {
		return fmt.Errorf("pkcs11keys: open: %w for token %q (in module %s)", ErrWrongPIN, s.cfg.TokenLabel, s.cfg.Module)
	}
	o.n++
	return nil
}

func (s *Store) unregister() {
	openedMu.Lock()
	defer openedMu.Unlock()
	if o := opened[s.reg]; o != nil {
		if o.n--; o.n <= 0 {
			delete(opened, s.reg)
		}
	}
}

// openError turns crypto11.Configure's errors into ours. crypto11 does not
// export its token-not-found error, so it is recognised by its text (the
// tests pin it for the version in go.mod).
func openError(cfg Config, err error) error {
	var p11 pkcs11.Error
	if errors.As(err, &p11) {
		switch p11 {
		case pkcs11.CKR_PIN_INCORRECT, pkcs11.CKR_PIN_LEN_RANGE:
			return fmt.Errorf("pkcs11keys: open: %w for token %q (in module %s): %v", ErrWrongPIN, cfg.TokenLabel, cfg.Module, p11)
		case pkcs11.CKR_PIN_LOCKED:
			return fmt.Errorf("pkcs11keys: open: token %q: %w: the token's security officer must unlock it: %v", cfg.TokenLabel, ErrPINLocked, p11)
		case pkcs11.CKR_TOKEN_NOT_PRESENT, pkcs11.CKR_TOKEN_NOT_RECOGNIZED, pkcs11.CKR_DEVICE_REMOVED:
			return fmt.Errorf("pkcs11keys: open: PKCS#11 token %q not found in module %s: %w (%v)", cfg.TokenLabel, cfg.Module, ErrNoToken, p11)
		}
	}
	msg := err.Error()
	switch {
	case msg == "could not find PKCS#11 token":
		return fmt.Errorf("pkcs11keys: open: PKCS#11 token %q not found in module %s: %w (removed, not initialised, or another label?)", cfg.TokenLabel, cfg.Module, ErrNoToken)
	case strings.HasPrefix(msg, "failed to create module context: failed to open module"):
		return fmt.Errorf("pkcs11keys: open: %w: %s is not a PKCS#11 library (dlopen failed)", ErrNoModule, cfg.Module)
	case strings.HasPrefix(msg, "failed to create module context"):
		// C_Initialize failed. For SoftHSM that is also what a missing
		// token directory or configuration file looks like.
		return fmt.Errorf("pkcs11keys: open: %w: %s does not initialise: %v (for SoftHSM: is SOFTHSM2_CONF set, and do it and its directories.tokendir exist?)", ErrNoModule, cfg.Module, errors.Unwrap(err))
	}
	return fmt.Errorf("pkcs11keys: open token %q in module %s: %w", cfg.TokenLabel, cfg.Module, err)
}

// Close logs out (when it is the last Store of its token in the process)
// and releases the module. Keys from the Store stop signing. Close waits
// for signatures in progress; calling it twice is harmless.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.cache = nil
	// Unregister only after the sessions are closed: until then the
	// process may still be logged in, and another Open must still have its
	// PIN compared.
	err := s.ctx.Close()
	s.unregister()
	if err != nil {
		return fmt.Errorf("pkcs11keys: close: %w", err)
	}
	return nil
}

// Key implements warehouse.KeyStore: it returns the key pair labelled
// name in the token, generating one inside the token the first time. Of
// callers in this process and processes on this host that ask for a new
// name at once, all get the same key: generation happens under the Store's
// mutex and an flock on Config.LockFile, after looking once more. alg must
// be keys.ES256 (ErrUnsupportedAlg otherwise).
func (s *Store) Key(name string, alg keys.Alg) (*keys.PrivateKey, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if alg != keys.ES256 {
		return nil, fmt.Errorf("pkcs11keys: key %q: %w, not %q", name, ErrUnsupportedAlg, alg)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("pkcs11keys: key %q: %w", name, ErrClosed)
	}
	if k := s.cache[name]; k != nil {
		return k, nil
	}
	k, err := s.find(name)
	if err == nil && k == nil {
		k, err = s.generate(name)
	}
	if err != nil {
		return nil, fmt.Errorf("pkcs11keys: key %q: %w", name, err)
	}
	s.cache[name] = k
	return k, nil
}

// objectsMu keeps key generation apart from object searches in this
// process. SoftHSM 2.6 fails C_GenerateKeyPair (CKR_GENERAL_ERROR, or a
// half-written public key) while another thread runs C_FindObjects
// (softhsm/SoftHSMv2#573); signing alongside is fine, and so are other
// processes. Generation is rare, so a real HSM loses nothing.
var objectsMu sync.RWMutex

// find returns the key pair labelled name, or nil if there is none.
func (s *Store) find(name string) (*keys.PrivateKey, error) {
	objectsMu.RLock()
	found, err := s.ctx.FindKeyPairs(nil, []byte(name))
	objectsMu.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("find in token %q: %w", s.cfg.TokenLabel, err)
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, fmt.Errorf("token %q: %w (%d)", s.cfg.TokenLabel, ErrDuplicateKey, len(found))
	}
	if pub, ok := found[0].Public().(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("token %q holds a %T key under this name: %w", s.cfg.TokenLabel, found[0].Public(), ErrUnsupportedAlg)
	}
	k, err := keys.NewSigner(found[0])
	if err != nil {
		return nil, fmt.Errorf("token %q: %w", s.cfg.TokenLabel, err)
	}
	return k, nil
}

// generate makes the key pair under the cross-process lock, unless
// another process made it first.
func (s *Store) generate(name string) (_ *keys.PrivateKey, err error) {
	unlock, err := lockFile(s.lockPath)
	if err != nil {
		return nil, err
	}
	defer func() {
		if uerr := unlock(); err == nil && uerr != nil {
			err = uerr
		}
	}()
	if k, err := s.find(name); k != nil || err != nil {
		return k, err
	}
	id := make([]byte, 16) // CKA_ID pairs the two halves; the label is the name
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	pubAttrs, err := crypto11.NewAttributeSetWithIDAndLabel(id, []byte(name))
	if err != nil {
		return nil, err
	}
	privAttrs := pubAttrs.Copy()
	for _, a := range []struct {
		t crypto11.AttributeType
		v bool
	}{
		{crypto11.CkaToken, true},        // a token object, not a session one
		{crypto11.CkaPrivate, true},      // only after login
		{crypto11.CkaSensitive, true},    // the value is never revealed in the clear
		{crypto11.CkaExtractable, false}, // nor wrapped out of the token
		{crypto11.CkaSign, true},
		{crypto11.CkaDerive, false}, // no ECDH with the signing key
	} {
		if err := privAttrs.Set(a.t, a.v); err != nil {
			return nil, err
		}
	}
	if err := pubAttrs.Set(crypto11.CkaToken, true); err != nil {
		return nil, err
	}
	objectsMu.Lock()
	signer, err := s.ctx.GenerateECDSAKeyPairWithAttributes(pubAttrs, privAttrs, elliptic.P256())
	objectsMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("generate in token %q: %w", s.cfg.TokenLabel, err)
	}
	k, err := keys.NewSigner(signer)
	if err != nil {
		return nil, fmt.Errorf("token %q: new key: %w", s.cfg.TokenLabel, err)
	}
	return k, nil
}

// checkName accepts 1 to MaxNameLen printable ASCII bytes without space.
func checkName(name string) error {
	if name == "" || len(name) > MaxNameLen {
		return fmt.Errorf("pkcs11keys: bad key name %q: 1 to %d characters", truncate(name), MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		if name[i] < 0x21 || name[i] > 0x7e {
			return fmt.Errorf("pkcs11keys: bad key name %q: printable ASCII only", truncate(name))
		}
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// openLockFile opens (creating) the lock file, mode 0600.
func openLockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("lock file %s: its directory does not exist: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("lock file: %w", err)
	}
	return f, nil
}
