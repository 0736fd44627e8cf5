package pkcs11keys_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThalesGroup/crypto11"
	"github.com/miekg/pkcs11"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/warehouse/pkcs11keys"
)

const testPIN = "4711-test"

// token is a throw-away SoftHSM2 token made by tools/softhsm.sh.
type token struct {
	dir, conf, module, label string
}

func (tk token) config() pkcs11keys.Config {
	return pkcs11keys.Config{
		Module:     tk.module,
		TokenLabel: tk.label,
		PIN:        testPIN,
		LockFile:   filepath.Join(tk.dir, "keys.lock"),
	}
}

// newToken makes a token in t.TempDir() and points SOFTHSM2_CONF at it
// for the test. Without SoftHSM2 the test fails under CI and is skipped
// otherwise. Every Store of the test must be closed when it ends, so the
// next test's Open loads the module with its own SOFTHSM2_CONF.
func newToken(t testing.TB, label string) token {
	t.Helper()
	if _, err := exec.LookPath("softhsm2-util"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("softhsm2-util not found (CI is set, so this is a failure): install it with apt-get install softhsm2 (tools/install-test-deps.sh)")
		}
		t.Skip("softhsm2-util not found: apt-get install softhsm2")
	}
	dir := t.TempDir()
	out, err := exec.Command("bash", filepath.Join(repoRoot(t), "tools", "softhsm.sh"), "init", dir, label, testPIN).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("tools/softhsm.sh: %v: %s", err, ee.Stderr)
		}
		t.Fatalf("tools/softhsm.sh: %v", err)
	}
	tk := token{dir: dir, label: label}
	for line := range strings.Lines(string(out)) {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "SOFTHSM2_CONF="); ok {
			tk.conf = v
		} else if v, ok := strings.CutPrefix(line, "PKCS11_MODULE="); ok {
			tk.module = v
		} else {
			t.Fatalf("tools/softhsm.sh printed %q", line)
		}
	}
	if tk.conf == "" || tk.module == "" {
		t.Fatalf("tools/softhsm.sh printed %q", out)
	}
	t.Setenv("SOFTHSM2_CONF", tk.conf)
	return tk
}

// repoRoot walks up from the package directory to go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the package directory")
		}
		dir = parent
	}
}

func open(t testing.TB, cfg pkcs11keys.Config) *pkcs11keys.Store {
	t.Helper()
	s, err := pkcs11keys.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustKey(t testing.TB, s *pkcs11keys.Store, name string) *keys.PrivateKey {
	t.Helper()
	k, err := s.Key(name, keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// countKeyPairs counts the key pairs labelled name in the token, through
// crypto11 directly rather than through the Store.
func countKeyPairs(t testing.TB, cfg pkcs11keys.Config, name string) int {
	t.Helper()
	ctx, err := crypto11.Configure(&crypto11.Config{Path: cfg.Module, TokenLabel: cfg.TokenLabel, Pin: cfg.PIN})
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	found, err := ctx.FindKeyPairs(nil, []byte(name))
	if err != nil {
		t.Fatal(err)
	}
	return len(found)
}

func TestSignVerify(t *testing.T) {
	tk := newToken(t, "sign")
	s := open(t, tk.config())
	k := mustKey(t, s, "root")
	if k.Alg() != keys.ES256 || len(k.KID()) != 43 || !k.External() {
		t.Fatalf("alg %s kid %q external %v", k.Alg(), k.KID(), k.External())
	}
	tok, err := keys.SignJWT(k, "test+jwt", map[string]any{"iss": "vn.dongnai"})
	if err != nil {
		t.Fatal(err)
	}
	// Verified with the public key alone, as a JSON JWK (what the trust
	// list and the database hold).
	pubJSON, err := json.Marshal(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	pub, err := keys.ParsePublicJWK(pubJSON)
	if err != nil {
		t.Fatal(err)
	}
	claims, kid, err := keys.VerifyJWT(tok, "test+jwt", keys.StaticKey(pub))
	if err != nil || kid != k.KID() || claims["iss"] != "vn.dongnai" {
		t.Fatalf("VerifyJWT = %v, %q, %v", claims, kid, err)
	}
	// Another key's public half does not verify it.
	other := mustKey(t, s, "other")
	if other.KID() == k.KID() {
		t.Fatal("two names, one key")
	}
	if _, _, err := keys.Verify(tok, "test+jwt", func(string, keys.Alg) (*keys.PublicKey, error) { return other.Public(), nil }); !errors.Is(err, keys.ErrSignature) {
		t.Fatalf("verify with another key: %v", err)
	}
}

// TestTrustList: the root key and an agency's key in the token sign a
// trust list and a credential that a wallet verifies offline.
func TestTrustList(t *testing.T) {
	tk := newToken(t, "trust")
	s := open(t, tk.config())
	root := mustKey(t, s, "root")
	health := mustKey(t, s, "agency-vn.dongnai.soyte-1")
	device, err := keys.Generate(keys.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	signed, err := trust.Sign(trust.List{
		Province: "vn.dongnai", Version: 1, IssuedAt: jan, NextUpdate: jan.AddDate(0, 0, 7),
		Issuers: []trust.Issuer{{
			ID:   "vn.dongnai.soyte",
			Name: trust.Name{VI: "Sở Y tế Đồng Nai"},
			Keys: []trust.IssuerKey{{Key: health.Public(), NotBefore: jan}},
		}},
	}, root)
	if err != nil {
		t.Fatal(err)
	}
	list, err := trust.Verify(signed, root.Public())
	if err != nil {
		t.Fatal(err)
	}
	if k, err := list.Key("vn.dongnai.soyte", health.KID(), jan.AddDate(0, 1, 0)); err != nil || !k.Equal(health.Public()) {
		t.Fatalf("list.Key = %v, %v", k, err)
	}
	// A list signed by the agency key is not one signed by the root.
	forgedList := *list
	forgedList.Version = 2
	forged, err := trust.Sign(forgedList, health)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trust.Verify(forged, root.Public()); err == nil {
		t.Fatal("a list signed by an agency key verified under the root")
	}

	cred, err := sdjwt.Issue(health, sdjwt.IssueRequest{
		Issuer: "vn.dongnai.soyte", Type: "health.insurance_card", IssuedAt: jan.AddDate(0, 0, 10),
		Holder: device.Public(), Metadata: map[string]any{"rid": "bhyt-1", "ver": 1},
		Claims: map[string]any{"ho_ten": "Nguyễn Thị Minh Khai", "so_the": "DN4757512345678"},
	})
	if err != nil {
		t.Fatal(err)
	}
	now := jan.AddDate(0, 2, 0)
	pres, err := sdjwt.Present(device, sdjwt.KeyBinding{Audience: "counter", Nonce: "n1", IssuedAt: now, Expires: now.Add(time.Minute)},
		sdjwt.Selection{Credential: cred, Disclose: []string{"so_the"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := sdjwt.Verify(pres, sdjwt.VerifyOptions{IssuerKey: list.Key, Now: now, KeyBinding: &sdjwt.BindingPolicy{Audience: "counter"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Credentials[0].Claims["so_the"]; got != "DN4757512345678" {
		t.Fatalf("disclosed so_the = %v", got)
	}
}

// TestKeyCannotBeReadOut: neither the key nor the raw PKCS#11 API, logged
// in with the PIN, gives the private key.
func TestKeyCannotBeReadOut(t *testing.T) {
	tk := newToken(t, "extract")
	cfg := tk.config()
	s := open(t, cfg)
	k := mustKey(t, s, "root")
	if b, err := json.Marshal(k); !errors.Is(err, keys.ErrNotExportable) {
		t.Fatalf("json.Marshal of a token key = %q, %v; want ErrNotExportable", b, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Signing with a key of a closed Store fails; it does not fall back to
	// anything.
	if _, err := keys.Sign(k, "test+jwt", []byte("x")); err == nil {
		t.Fatal("a key of a closed Store signed")
	}

	// The raw PKCS#11 API, as any program holding the PIN would use it.
	p := pkcs11.New(cfg.Module)
	if p == nil {
		t.Fatalf("cannot load %s", cfg.Module)
	}
	defer p.Destroy()
	if err := p.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer p.Finalize()
	slots, err := p.GetSlotList(true)
	if err != nil {
		t.Fatal(err)
	}
	slot := -1
	for _, sl := range slots {
		if ti, err := p.GetTokenInfo(sl); err == nil && ti.Label == cfg.TokenLabel {
			slot = int(sl)
		}
	}
	if slot < 0 {
		t.Fatalf("token %q not in slots %v", cfg.TokenLabel, slots)
	}
	sh, err := p.OpenSession(uint(slot), pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		t.Fatal(err)
	}
	defer p.CloseSession(sh)
	if err := p.Login(sh, pkcs11.CKU_USER, cfg.PIN); err != nil {
		t.Fatal(err)
	}
	defer p.Logout(sh)
	if err := p.FindObjectsInit(sh, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, "root"),
	}); err != nil {
		t.Fatal(err)
	}
	objs, _, err := p.FindObjects(sh, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.FindObjectsFinal(sh); err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 {
		t.Fatalf("%d private keys labelled root, want 1", len(objs))
	}
	priv := objs[0]

	attrs, err := p.GetAttributeValue(sh, priv, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, nil),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, nil),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, nil),
		pkcs11.NewAttribute(pkcs11.CKA_ALWAYS_SENSITIVE, nil),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, nil),
		pkcs11.NewAttribute(pkcs11.CKA_NEVER_EXTRACTABLE, nil),
		pkcs11.NewAttribute(pkcs11.CKA_LOCAL, nil), // generated in the token
		pkcs11.NewAttribute(pkcs11.CKA_DERIVE, nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint]bool{
		pkcs11.CKA_TOKEN: true, pkcs11.CKA_PRIVATE: true,
		pkcs11.CKA_SENSITIVE: true, pkcs11.CKA_ALWAYS_SENSITIVE: true,
		pkcs11.CKA_EXTRACTABLE: false, pkcs11.CKA_NEVER_EXTRACTABLE: true,
		pkcs11.CKA_LOCAL: true, pkcs11.CKA_DERIVE: false,
	}
	for _, a := range attrs {
		if got := len(a.Value) == 1 && a.Value[0] != 0; got != want[a.Type] {
			t.Errorf("attribute 0x%x = %x, want %v", a.Type, a.Value, want[a.Type])
		}
	}

	// The value itself is refused.
	_, err = p.GetAttributeValue(sh, priv, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
	if !errors.Is(err, pkcs11.Error(pkcs11.CKR_ATTRIBUTE_SENSITIVE)) {
		t.Errorf("reading CKA_VALUE: %v, want CKR_ATTRIBUTE_SENSITIVE", err)
	}
	// Wrapping it under a key of our own is refused.
	wrapKey, err := p.GenerateKey(sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_KEY_GEN, nil)}, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, false),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, 32),
		pkcs11.NewAttribute(pkcs11.CKA_WRAP, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true),
	})
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := p.WrapKey(sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_KEY_WRAP_PAD, nil)}, wrapKey, priv)
	if !errors.Is(err, pkcs11.Error(pkcs11.CKR_KEY_UNEXTRACTABLE)) {
		t.Errorf("C_WrapKey = %x, %v; want CKR_KEY_UNEXTRACTABLE", wrapped, err)
	}
	// And the flags cannot be turned around.
	for _, a := range []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false),
	} {
		if err := p.SetAttributeValue(sh, priv, []*pkcs11.Attribute{a}); err == nil {
			t.Errorf("setting attribute 0x%x to %x succeeded", a.Type, a.Value)
		}
	}
	if _, err := p.GetAttributeValue(sh, priv, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)}); err == nil {
		t.Error("CKA_VALUE readable after the attempts")
	}
}

// TestSameKey: one name is one key, through re-opening and in two Stores
// open at once.
func TestSameKey(t *testing.T) {
	tk := newToken(t, "same")
	cfg := tk.config()
	s := open(t, cfg)
	k1 := mustKey(t, s, "root")
	if k2 := mustKey(t, s, "root"); k2.KID() != k1.KID() {
		t.Fatalf("second Key: kid %s, first %s", k2.KID(), k1.KID())
	}
	s2 := open(t, cfg)
	if k := mustKey(t, s2, "root"); k.KID() != k1.KID() {
		t.Fatalf("second Store: kid %s, want %s", k.KID(), k1.KID())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Key("root", keys.ES256); !errors.Is(err, pkcs11keys.ErrClosed) {
		t.Fatalf("Key after Close: %v", err)
	}

	// Re-opened (the module was unloaded in between): the same key, which
	// still signs what the old public key verifies.
	s3 := open(t, cfg)
	k3 := mustKey(t, s3, "root")
	if k3.KID() != k1.KID() {
		t.Fatalf("after re-open: kid %s, want %s", k3.KID(), k1.KID())
	}
	tok, err := keys.Sign(k3, "test+jwt", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := keys.Verify(tok, "test+jwt", keys.StaticKey(k1.Public())); err != nil {
		t.Fatal(err)
	}
	if n := countKeyPairs(t, cfg, "root"); n != 1 {
		t.Fatalf("%d key pairs labelled root, want 1", n)
	}
}

// TestConcurrentGoroutines: 8 goroutines in two Stores ask for new names
// at once; each name is one key.
func TestConcurrentGoroutines(t *testing.T) {
	tk := newToken(t, "goroutines")
	cfg := tk.config()
	stores := []*pkcs11keys.Store{open(t, cfg), open(t, cfg)}
	names := []string{"agency-a-1", "agency-b-1", "agency-c-1"}
	const n = 8
	kids := make([][]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := range n {
		wg.Go(func() {
			<-start
			s := stores[g%2]
			for i := range names {
				name := names[(i+g)%len(names)] // different orders
				k, err := s.Key(name, keys.ES256)
				if err != nil {
					t.Error(err)
					return
				}
				kids[g] = append(kids[g], name+"="+k.KID())
			}
		})
	}
	close(start)
	wg.Wait()
	seen := map[string]string{}
	for g := range n {
		if len(kids[g]) != len(names) {
			t.Fatalf("goroutine %d got %d keys", g, len(kids[g]))
		}
		for _, nk := range kids[g] {
			name, kid, _ := strings.Cut(nk, "=")
			if have, ok := seen[name]; ok && have != kid {
				t.Fatalf("%s: kids %s and %s", name, have, kid)
			}
			seen[name] = kid
		}
	}
	for _, name := range names {
		if c := countKeyPairs(t, cfg, name); c != 1 {
			t.Errorf("%s: %d key pairs in the token, want 1", name, c)
		}
	}
}

// TestConcurrentProcesses: two processes (this test binary, re-executed)
// ask for the same new names at the same moment; each name is one key.
func TestConcurrentProcesses(t *testing.T) {
	tk := newToken(t, "processes")
	cfg := tk.config()
	names := []string{"root", "agency-a-1", "agency-b-1", "agency-c-1"}

	type child struct {
		cmd   *exec.Cmd
		stdin interface{ Close() error }
		out   *bufio.Scanner
	}
	var children []child
	for range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(),
			"PKCS11KEYS_CHILD=1",
			"PKCS11KEYS_MODULE="+cfg.Module,
			"PKCS11KEYS_TOKEN="+cfg.TokenLabel,
			"PKCS11KEYS_PIN="+cfg.PIN,
			"PKCS11KEYS_LOCK="+cfg.LockFile,
			"PKCS11KEYS_NAMES="+strings.Join(names, ","),
		)
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { in.Close(); cmd.Process.Kill(); cmd.Wait() })
		children = append(children, child{cmd, in, bufio.NewScanner(out)})
	}
	// Both have opened the token and looked for nothing yet.
	for i, c := range children {
		if !c.out.Scan() || c.out.Text() != "ready" {
			t.Fatalf("child %d: %q, %v", i, c.out.Text(), c.out.Err())
		}
	}
	// Go: closing stdin releases both at once.
	for _, c := range children {
		c.stdin.Close()
	}
	seen := map[string]string{}
	for i, c := range children {
		got := 0
		for c.out.Scan() {
			name, kid, ok := strings.Cut(c.out.Text(), "=")
			if !ok {
				t.Fatalf("child %d: %q", i, c.out.Text())
			}
			if have, ok := seen[name]; ok && have != kid {
				t.Fatalf("%s: kid %s in one process, %s in the other", name, have, kid)
			}
			seen[name] = kid
			got++
		}
		if err := c.cmd.Wait(); err != nil {
			t.Fatalf("child %d: %v", i, err)
		}
		if got != len(names) {
			t.Fatalf("child %d returned %d keys, want %d", i, got, len(names))
		}
	}
	s := open(t, cfg)
	for _, name := range names {
		if k := mustKey(t, s, name); k.KID() != seen[name] {
			t.Errorf("%s: kid %s here, %s in the children", name, k.KID(), seen[name])
		}
		if c := countKeyPairs(t, cfg, name); c != 1 {
			t.Errorf("%s: %d key pairs in the token, want 1", name, c)
		}
	}
}

// TestHelperProcess is the child of TestConcurrentProcesses: it opens the
// token, says "ready", waits for stdin to close, asks for every name at
// once and prints name=kid lines.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("PKCS11KEYS_CHILD") != "1" {
		t.Skip("the child process of TestConcurrentProcesses")
	}
	s, err := pkcs11keys.Open(pkcs11keys.Config{
		Module:     os.Getenv("PKCS11KEYS_MODULE"),
		TokenLabel: os.Getenv("PKCS11KEYS_TOKEN"),
		PIN:        os.Getenv("PKCS11KEYS_PIN"),
		LockFile:   os.Getenv("PKCS11KEYS_LOCK"),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	_, _ = bufio.NewReader(os.Stdin).ReadByte() // EOF is the signal
	names := strings.Split(os.Getenv("PKCS11KEYS_NAMES"), ",")
	lines := make([]string, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			k, err := s.Key(name, keys.ES256)
			if err != nil {
				fmt.Fprintln(os.Stderr, "child:", err)
				os.Exit(1)
			}
			lines[i] = name + "=" + k.KID()
		})
	}
	wg.Wait()
	for _, l := range lines {
		fmt.Println(l)
	}
	s.Close()
	os.Exit(0)
}

func TestOpenErrors(t *testing.T) {
	tk := newToken(t, "errors")
	good := tk.config()

	t.Run("wrong PIN", func(t *testing.T) {
		cfg := good
		cfg.PIN = "not-the-pin"
		s, err := pkcs11keys.Open(cfg)
		if !errors.Is(err, pkcs11keys.ErrWrongPIN) || s != nil {
			t.Fatalf("Open = %v, %v; want ErrWrongPIN", s, err)
		}
		if !strings.Contains(err.Error(), `wrong PIN for token "errors"`) {
			t.Errorf("message %q", err)
		}
	})
	t.Run("wrong PIN while logged in", func(t *testing.T) {
		// The process is logged in through the first Store; the token would
		// not look at the second PIN, Open does.
		s := open(t, good)
		cfg := good
		cfg.PIN = "not-the-pin"
		s2, err := pkcs11keys.Open(cfg)
		if !errors.Is(err, pkcs11keys.ErrWrongPIN) || s2 != nil {
			t.Fatalf("Open = %v, %v; want ErrWrongPIN", s2, err)
		}
		// The first Store is unaffected.
		mustKey(t, s, "root")
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("token not in module", func(t *testing.T) {
		cfg := good
		cfg.TokenLabel = "no-such-token"
		_, err := pkcs11keys.Open(cfg)
		if !errors.Is(err, pkcs11keys.ErrNoToken) {
			t.Fatalf("Open: %v; want ErrNoToken", err)
		}
		want := fmt.Sprintf(`PKCS#11 token "no-such-token" not found in module %s`, cfg.Module)
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q, want it to contain %q", err, want)
		}
	})
	t.Run("module missing", func(t *testing.T) {
		cfg := good
		cfg.Module = filepath.Join(t.TempDir(), "libnothere.so")
		_, err := pkcs11keys.Open(cfg)
		if !errors.Is(err, pkcs11keys.ErrNoModule) || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), cfg.Module) {
			t.Fatalf("Open: %v; want ErrNoModule naming the path", err)
		}
	})
	t.Run("not a module", func(t *testing.T) {
		cfg := good
		cfg.Module = filepath.Join(t.TempDir(), "libnot.so")
		if err := os.WriteFile(cfg.Module, []byte("not ELF"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := pkcs11keys.Open(cfg); !errors.Is(err, pkcs11keys.ErrNoModule) {
			t.Fatalf("Open: %v; want ErrNoModule", err)
		}
	})
	t.Run("empty config", func(t *testing.T) {
		for _, cfg := range []pkcs11keys.Config{
			{TokenLabel: good.TokenLabel, PIN: good.PIN},
			{Module: good.Module, PIN: good.PIN},
			{Module: good.Module, TokenLabel: good.TokenLabel},
		} {
			if s, err := pkcs11keys.Open(cfg); err == nil {
				s.Close()
				t.Errorf("Open(%+v) succeeded", cfg)
			}
		}
	})
}

// TestRemovedToken: a token whose directory was deleted is not there at
// the next Open, and says so; the other tokens of the module still open.
func TestRemovedToken(t *testing.T) {
	tk := newToken(t, "removed")
	cfg := tk.config()
	// A second token in the same directory, which stays.
	if out, err := exec.Command("bash", filepath.Join(repoRoot(t), "tools", "softhsm.sh"), "init", tk.dir, "stays", testPIN).CombinedOutput(); err != nil {
		t.Fatalf("tools/softhsm.sh: %v: %s", err, out)
	}
	s := open(t, cfg)
	mustKey(t, s, "root")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Find the token's own directory: the one holding the key just made
	// (SoftHSM names them by UUID).
	dirs, err := filepath.Glob(filepath.Join(tk.dir, "tokens", "*"))
	if err != nil || len(dirs) != 2 {
		t.Fatalf("token directories %v, %v", dirs, err)
	}
	var removed string
	for _, d := range dirs {
		if objs, _ := filepath.Glob(filepath.Join(d, "*.object")); len(objs) > 1 { // token.object and the keys
			removed = d
		}
	}
	if removed == "" {
		t.Fatalf("no token directory holds keys: %v", dirs)
	}
	if err := os.RemoveAll(removed); err != nil {
		t.Fatal(err)
	}
	_, err = pkcs11keys.Open(cfg)
	if !errors.Is(err, pkcs11keys.ErrNoToken) || !strings.Contains(err.Error(), `PKCS#11 token "removed" not found in module`) {
		t.Fatalf("Open of the deleted token: %v; want ErrNoToken", err)
	}
	other := cfg
	other.TokenLabel = "stays"
	s2 := open(t, other)
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}

	// With the whole token directory gone, SoftHSM's C_Initialize fails
	// (CKR_GENERAL_ERROR): the module cannot start, and the error says
	// where to look.
	if err := os.RemoveAll(filepath.Join(tk.dir, "tokens")); err != nil {
		t.Fatal(err)
	}
	_, err = pkcs11keys.Open(cfg)
	if !errors.Is(err, pkcs11keys.ErrNoModule) || !strings.Contains(err.Error(), "directories.tokendir") {
		t.Fatalf("Open with no token directory: %v; want ErrNoModule naming the token directory", err)
	}
}

func TestKeyRejects(t *testing.T) {
	tk := newToken(t, "rejects")
	s := open(t, tk.config())
	_, err := s.Key("device", keys.EdDSA)
	if !errors.Is(err, pkcs11keys.ErrUnsupportedAlg) || !strings.Contains(err.Error(), "ES256") {
		t.Fatalf("Key(EdDSA): %v; want ErrUnsupportedAlg", err)
	}
	for _, name := range []string{"", "has space", "tab\t", strings.Repeat("x", pkcs11keys.MaxNameLen+1), "ü"} {
		if _, err := s.Key(name, keys.ES256); err == nil {
			t.Errorf("Key(%q) succeeded", name)
		}
	}
	if _, err := s.Key("Alg", "RS256"); !errors.Is(err, pkcs11keys.ErrUnsupportedAlg) {
		t.Fatalf("Key(RS256): %v", err)
	}
	// Nothing was generated by the refusals.
	if n := countKeyPairs(t, tk.config(), "device"); n != 0 {
		t.Fatalf("%d key pairs labelled device", n)
	}
}
