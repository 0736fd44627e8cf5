package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/cmd/internal/devtls"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/demo"
	"github.com/vnwallet/citizenwallet/wallet"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `warehouse serve` in the background on loopback ports
// chosen by the system; it stops when the test ends.
func startServe(t *testing.T, dir string, citizens int, seed int64) (adminURL string, out *syncBuffer) {
	t.Helper()
	_, admin, out := serveUp(t, serveConfig{data: dir, citizens: citizens, seed: seed})
	adminURL = "http://" + admin
	dataOf.Store(adminURL, dir)
	return adminURL, out
}

// serveUp runs serve(c) in the background (its protocol and admin
// addresses on loopback ports the system chooses unless c names them)
// until the test ends, and returns them once it is ready, with what it
// prints.
func serveUp(t *testing.T, c serveConfig) (api, admin string, out *syncBuffer) {
	t.Helper()
	if c.addr == "" {
		c.addr = "127.0.0.1:0"
	}
	if c.admin == "" {
		c.admin = "127.0.0.1:0"
	}
	ctx, cancel := context.WithCancel(context.Background())
	out = &syncBuffer{}
	type addrs struct{ api, admin string }
	ready := make(chan addrs, 1)
	done := make(chan error, 1)
	e := &env{ctx: ctx, stdout: out, stderr: out, getenv: func(string) string { return "" }}
	c.ready = func(api, admin string) { ready <- addrs{api, admin} }
	go func() { done <- serve(e, c) }()
	select {
	case a := <-ready:
		api, admin = a.api, a.admin
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v\n%s", err, out)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return api, admin, out
}

// dataOf maps a test server's admin URL to its data directory (where its
// tokens are).
var dataOf sync.Map

// runCLI runs one admin command against adminURL.
func runCLI(t *testing.T, adminURL, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	env := &env{ctx: context.Background(), stdin: strings.NewReader(stdin), stdout: &o, stderr: &e,
		getenv: func(k string) string {
			switch k {
			case "WAREHOUSE_ADMIN":
				return adminURL
			case "WAREHOUSE_DATA":
				d, _ := dataOf.Load(adminURL)
				s, _ := d.(string)
				return s
			}
			return ""
		}}
	code = runEnv(env, args)
	return code, o.String(), e.String()
}

func TestServeAndAdminCommands(t *testing.T) {
	dir := t.TempDir()
	admin, out := startServe(t, dir, 50, 9)
	prov, _ := demo.New(50, 9)
	p0 := prov.Profile(0)
	if !strings.Contains(out.String(), p0.CitizenID) || !strings.Contains(out.String(), p0.FullName) {
		t.Errorf("serve banner does not name the demo citizen:\n%s", out)
	}

	// The root key file is the server's root key.
	b, err := os.ReadFile(filepath.Join(dir, RootKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	fileKey, err := keys.ParsePublicJWK(b)
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := runCLI(t, admin, "", "root-key")
	apiKey, err := keys.ParsePublicJWK([]byte(stdout))
	if code != 0 || err != nil || !apiKey.Equal(fileKey) {
		t.Fatalf("root-key: %d %v %s", code, err, stdout)
	}

	// Citizens by number, page by page: every one of the 50 once.
	seen, after := map[string]bool{}, ""
	for page := 0; page < 20; page++ {
		code, stdout, _ = runCLI(t, admin, "", "citizens", "-limit", "7", "-after", after)
		rows := strings.Split(strings.TrimSpace(stdout), "\n")[1:]
		if code != 0 || len(rows) > 7 {
			t.Fatalf("citizens: %d\n%s", code, stdout)
		}
		if len(rows) == 0 {
			break
		}
		for _, row := range rows {
			id := strings.Fields(row)[0]
			if seen[id] || id <= after {
				t.Fatalf("citizens: %s twice or out of order\n%s", id, stdout)
			}
			seen[id], after = true, id
		}
	}
	if len(seen) != 50 || !seen[p0.CitizenID] {
		t.Errorf("citizens listed %d of 50 (with %s: %v)", len(seen), p0.CitizenID, seen[p0.CitizenID])
	}

	code, stdout, _ = runCLI(t, admin, "", "code", p0.CitizenID)
	if code != 0 || !regexp.MustCompile(`^[0-9A-Z]{5}-[0-9A-Z]{5}\n`).MatchString(stdout) {
		t.Errorf("code: %d %q", code, stdout)
	}

	code, stdout, _ = runCLI(t, admin, "", "show", p0.CitizenID)
	_, recs := prov.Citizen(0)
	if code != 0 || !strings.Contains(stdout, "Thông tin công dân (CCCD)") || !strings.Contains(stdout, recs[0].ID) {
		t.Errorf("show: %d\n%s", code, stdout)
	}

	// Correct a record (new version), then withdraw it.
	var cur struct{ Records []wallet.Record }
	_, stdout, _ = runCLI(t, admin, "", "show", "-json", p0.CitizenID)
	if err := json.Unmarshal([]byte(stdout), &cur); err != nil || len(cur.Records) == 0 {
		t.Fatalf("show -json: %v\n%s", err, stdout)
	}
	var res wallet.Record
	for _, r := range cur.Records {
		if r.Type == "identity.residence" {
			res = r
		}
	}
	res.Claims["address"] = "Số 99, đường Võ Thị Sáu, khu phố 2"
	res.Version = 0 // the server numbers it
	res.Credential = ""
	body, _ := json.Marshal(res)
	code, stdout, stderr := runCLI(t, admin, string(body), "issue", p0.CitizenID, "-")
	if code != 0 || !strings.Contains(stdout, res.ID) {
		t.Fatalf("issue: %d %s %s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, admin, "", "withdraw", p0.CitizenID, res.ID)
	if code != 0 || !strings.Contains(stdout, res.ID) {
		t.Fatalf("withdraw: %d %s %s", code, stdout, stderr)
	}
	_, stdout, _ = runCLI(t, admin, "", "show", "-json", p0.CitizenID)
	json.Unmarshal([]byte(stdout), &cur)
	for _, r := range cur.Records {
		if r.ID == res.ID && (r.Status != wallet.StatusWithdrawn || r.Claims["address"] != "Số 99, đường Võ Thị Sáu, khu phố 2") {
			t.Errorf("after correct + withdraw: %+v", r)
		}
	}

	// Devices: none yet; an unknown one cannot be disabled.
	code, stdout, _ = runCLI(t, admin, "", "devices", p0.CitizenID)
	if code != 0 || !strings.Contains(stdout, "no devices enrolled") {
		t.Errorf("devices: %d %q", code, stdout)
	}
	code, _, stderr = runCLI(t, admin, "", "revoke-device", p0.CitizenID, "nosuchdevice")
	if code != 6 {
		t.Errorf("revoke-device of an unknown device: %d %s", code, stderr)
	}

	// Bad input: each a clear message and its exit code.
	for _, c := range []struct {
		args  []string
		stdin string
		code  int
		msg   string
	}{
		{[]string{"show", "079000000000"}, "", exitNotFound, "unknown citizen"},
		{[]string{"code", "079000000000"}, "", exitNotFound, "unknown citizen"},
		{[]string{"withdraw", p0.CitizenID, "no-such-record"}, "", exitNotFound, "no-such-record"},
		{[]string{"withdraw", p0.CitizenID, res.ID}, "", exitInvalid, "already withdrawn"},
		{[]string{"issue", p0.CitizenID, "-"}, "{not json", exitInvalid, "not a record"},
		{[]string{"issue", p0.CitizenID, "-"}, `{"id":"x","type":"no.such.type"}`, exitInvalid, "invalid"},
		{[]string{"show"}, "", exitUsage, "expects 1 argument"},
		{[]string{"frobnicate"}, "", exitUsage, "unknown command"},
	} {
		code, stdout, stderr := runCLI(t, admin, c.stdin, c.args...)
		if code != c.code || !strings.Contains(stdout+stderr, c.msg) {
			t.Errorf("%v: exit %d, want %d; output %q, want %q", c.args, code, c.code, stdout+stderr, c.msg)
		}
	}
	// A server that is not running.
	code, _, stderr = runCLI(t, "http://127.0.0.1:1", "", "show", "-token", "cwadm_x", p0.CitizenID)
	if code != exitFailure || !strings.Contains(stderr, "is `warehouse serve` running?") {
		t.Errorf("no server: %d %s", code, stderr)
	}
}

func TestServeRefuses(t *testing.T) {
	e := &env{ctx: context.Background(), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, getenv: func(string) string { return "" }}
	for _, admin := range []string{"0.0.0.0:8641", "192.168.1.10:8641", ":8641", "example.com:8641"} {
		err := serve(e, serveConfig{addr: "127.0.0.1:0", admin: admin, data: t.TempDir(), citizens: 10, seed: 1})
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("admin on %s: %v", admin, err)
		}
	}
	if err := serve(e, serveConfig{addr: "127.0.0.1:0", admin: "127.0.0.1:0", data: t.TempDir(), citizens: demo.MaxCitizens + 1, seed: 1}); err == nil {
		t.Error("a demo province over the generator's size accepted")
	}
	// A data directory made with another seed is refused, not mixed.
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	e.ctx = ctx
	stop := func(string, string) { cancel() } // serve starts, then stops at once
	if err := serve(e, serveConfig{addr: "127.0.0.1:0", admin: "127.0.0.1:0", data: dir, citizens: 10, seed: 1, ready: stop}); err != nil {
		t.Fatal(err)
	}
	e.ctx = context.Background()
	err := serve(e, serveConfig{addr: "127.0.0.1:0", admin: "127.0.0.1:0", data: dir, citizens: 10, seed: 2})
	if err == nil || !strings.Contains(err.Error(), "use another directory") {
		t.Errorf("other seed on the same data: %v", err)
	}
}

// TestAgencyPush: `warehouse agency push` sends the documented example
// batch as the hospital's system; sent again it is replayed, and a batch
// signed with another agency's key is refused.
func TestAgencyPush(t *testing.T) {
	dir := t.TempDir()
	api, _, _ := serveUp(t, serveConfig{data: dir, citizens: 5, seed: 1})
	batch := filepath.Join("..", "..", "docs", "examples", "agency-batch.json")
	push := func(args ...string) (int, string) {
		var o, e bytes.Buffer
		code := runEnv(&env{ctx: context.Background(), stdout: &o, stderr: &e, getenv: func(string) string { return "" }},
			append([]string{"agency", "push", "-url", "http://" + api, "-data", dir}, args...))
		return code, o.String() + e.String()
	}
	code, text := push("-agency", "vn.dongnai.bvdk-dongnai", batch)
	if code != 0 || !strings.Contains(text, "2 stored, 2 operations") || !strings.Contains(text, "kcb-2026-120101") {
		t.Fatalf("push: %d\n%s", code, text)
	}
	code, text = push("-agency", "vn.dongnai.bvdk-dongnai", batch)
	if code != 0 || !strings.Contains(text, "replayed") {
		t.Errorf("the same batch again: %d\n%s", code, text)
	}
	// The health department's key, claiming to be the hospital.
	code, text = push("-agency", "vn.dongnai.bvdk-dongnai", "-key", filepath.Join(dir, "keys", "client-vn.dongnai.soyte.jwk"), batch)
	if code != exitInvalid || !strings.Contains(text, "unauthorized") {
		t.Errorf("another agency's key: %d\n%s", code, text)
	}
	// The health department sending the hospital's records: each refused.
	code, text = push("-agency", "vn.dongnai.soyte", "-json", batch)
	if code != exitInvalid || !strings.Contains(text, "wrong_issuer") {
		t.Errorf("another agency's records: %d\n%s", code, text)
	}
}

// serve -keys-kek-file: the KEK file is made once (0600), every signing
// key lies sealed in the key directory (no plain JWK of the warehouse's
// keys), a restart with the same KEK serves the same root key, and one
// with another KEK is refused at start with a clear error.
func TestServeSealedKeys(t *testing.T) {
	dir, kekFile := t.TempDir(), filepath.Join(t.TempDir(), "kek")
	out := &bytes.Buffer{}
	run := func(kek string) error {
		ctx, cancel := context.WithCancel(context.Background())
		e := &env{ctx: ctx, stdout: out, stderr: out, getenv: func(string) string { return "" }}
		return serve(e, serveConfig{addr: "127.0.0.1:0", admin: "127.0.0.1:0", data: dir, citizens: 5, seed: 1, kekFile: kek,
			ready: func(string, string) { cancel() }})
	}
	if err := run(kekFile); err != nil {
		t.Fatalf("serve: %v\n%s", err, out)
	}
	if !strings.Contains(out.String(), "sealed under the key-encryption key") || !strings.Contains(out.String(), "made now") {
		t.Errorf("the banner does not say the keys are sealed:\n%s", out)
	}
	if st, err := os.Stat(kekFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("KEK file: %v %v", st, err)
	}
	files, _ := os.ReadDir(filepath.Join(dir, "keys"))
	sealed := 0
	for _, f := range files {
		switch {
		case strings.HasSuffix(f.Name(), ".sealed"):
			sealed++
		case strings.HasSuffix(f.Name(), ".jwk") && !strings.HasPrefix(f.Name(), "client-"):
			t.Errorf("a plain warehouse key: %s", f.Name())
		}
	}
	if sealed < 3 { // root, revocation list, agencies
		t.Errorf("%d sealed keys in %v", sealed, files)
	}
	kek, _ := os.ReadFile(kekFile)
	root1, err := (warehouse.SealedFileKeys{Dir: filepath.Join(dir, "keys"), KEK: mustB64(t, kek)}).Key("root", keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(kekFile); err != nil || strings.Contains(out.String(), "made now") {
		t.Fatalf("restart with the same KEK: %v\n%s", err, out)
	}
	root2, _ := (warehouse.SealedFileKeys{Dir: filepath.Join(dir, "keys"), KEK: mustB64(t, kek)}).Key("root", keys.ES256)
	if root1.KID() != root2.KID() {
		t.Error("the root key changed across a restart")
	}
	err = run(filepath.Join(t.TempDir(), "another-kek"))
	if !errors.Is(err, warehouse.ErrWrongKEK) {
		t.Errorf("restart with another KEK: %v; want ErrWrongKEK", err)
	}
}

func mustB64(t *testing.T, b []byte) []byte {
	t.Helper()
	k, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// warehouse rotate-key: the operator's command gives an agency a new
// signing key, which the trust list then holds beside the old one; an
// unknown agency is "not found".
func TestRotateKeyCommand(t *testing.T) {
	admin, _ := startServe(t, t.TempDir(), 5, 1)
	code, stdout, stderr := runCLI(t, admin, "", "rotate-key", "vn.dongnai.bvdk-dongnai")
	if code != 0 || !strings.Contains(stdout, "new signing key") {
		t.Fatalf("rotate-key: %d %s %s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, admin, "", "rotate-key", "-json", "vn.dongnai.bvdk-dongnai")
	var sk warehouse.SigningKey
	if code != 0 || json.Unmarshal([]byte(stdout), &sk) != nil || sk.KID == "" {
		t.Errorf("rotate-key -json: %d %s", code, stdout)
	}
	if code, _, stderr = runCLI(t, admin, "", "rotate-key", "vn.nosuch"); code != 6 {
		t.Errorf("rotate-key of an unknown agency: exit %d %s; want 6", code, stderr)
	}
}

// warehouse compromise-key: the operator's command marks the agency's
// key compromised in the trust list and rotates it.
func TestCompromiseKeyCommand(t *testing.T) {
	admin, _ := startServe(t, t.TempDir(), 5, 1)
	code, stdout, stderr := runCLI(t, admin, "", "compromise-key", "-json", "vn.dongnai.bvdk-dongnai")
	var res warehouse.CompromiseResult
	if code != 0 || json.Unmarshal([]byte(stdout), &res) != nil || res.Compromised.Compromised.IsZero() || res.Current.KID == res.Compromised.KID {
		t.Fatalf("compromise-key -json: %d %s %s", code, stdout, stderr)
	}
	if code, stdout, _ = runCLI(t, admin, "", "compromise-key", "vn.dongnai.bvdk-dongnai"); code != 0 || !strings.Contains(stdout, "compromised") {
		t.Errorf("compromise-key: %d %s", code, stdout)
	}
	if code, _, stderr = runCLI(t, admin, "", "compromise-key", "vn.nosuch"); code != 6 {
		t.Errorf("compromise-key of an unknown agency: exit %d %s; want 6", code, stderr)
	}
}

// TestServeHTTPS: serve -https-addr serves the warehouse over https with
// a self-signed certificate kept in DATA/tls, which a client trusting
// DATA/tls/cert.pem (a counter's -status-ca) reaches and others refuse;
// the public URL defaults to it, so the trust list names status lists and
// issuers under it and the issuer metadata is served there. Off loopback
// it is refused.
func TestServeHTTPS(t *testing.T) {
	dir := t.TempDir()
	api, _, out := serveUp(t, serveConfig{httpsAddr: "127.0.0.1:0", data: dir, citizens: 5, seed: 1})
	m := regexp.MustCompile(`https +(https://127\.0\.0\.1:[0-9]+) `).FindStringSubmatch(out.String())
	if m == nil || !strings.Contains(out.String(), "public    "+m[1]) {
		t.Fatalf("no https address and public URL in the output:\n%s", out)
	}
	public := m[1]
	tr, err := devtls.Transport(filepath.Join(dir, "tls", devtls.CertFile))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: tr}
	agency := "vn.dongnai.soyte"
	resp, err := client.Get(public + "/.well-known/jwt-vc-issuer/issuers/" + agency)
	if err != nil {
		t.Fatal(err)
	}
	var md struct {
		Issuer string `json:"issuer"`
	}
	err = json.NewDecoder(resp.Body).Decode(&md)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || md.Issuer != public+"/issuers/"+agency {
		t.Fatalf("issuer metadata over https: %d %+v %v", resp.StatusCode, md, err)
	}
	if _, err := http.Get(public + protocol.PathTrustList); err == nil {
		t.Error("a client without the certificate trusts it")
	}
	resp, err = http.Get("http://" + api + protocol.PathTrustList)
	if err != nil {
		t.Fatal(err)
	}
	var tl struct {
		TrustList string `json:"trust_list"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tl)
	resp.Body.Close()
	jws, _ := keys.ParseUnverified(tl.TrustList, "trustlist+jwt")
	if err != nil || jws == nil || !strings.Contains(string(jws.UnverifiedPayload()), `"status_lists":"`+public+`/status/v1/`+agency+`/"`) {
		t.Errorf("the trust list does not name the status lists under %s (%v)", public, err)
	}

	for _, addr := range []string{"0.0.0.0:8643", "192.168.1.10:8643"} {
		err := serve(&env{ctx: context.Background(), stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }},
			serveConfig{addr: "127.0.0.1:0", admin: "127.0.0.1:0", httpsAddr: addr, data: t.TempDir(), citizens: 1, seed: 1})
		if err == nil || !strings.Contains(err.Error(), "this machine only") {
			t.Errorf("-https-addr %s: %v", addr, err)
		}
	}
}
