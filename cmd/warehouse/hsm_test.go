//go:build cgo

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse/demo"
)

// softHSM makes a throw-away SoftHSM2 token with tools/softhsm.sh and
// points this process at it; it returns the module path.
func softHSM(t *testing.T, label, pin string) string {
	t.Helper()
	if _, err := exec.LookPath("softhsm2-util"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("softhsm2-util is missing: CI must install softhsm2 (tools/install-test-deps.sh)")
		}
		t.Skip("softhsm2-util is missing (apt-get install softhsm2)")
	}
	out, err := exec.Command("bash", filepath.Join("..", "..", "tools", "softhsm.sh"), "init", t.TempDir(), label, pin).Output()
	if err != nil {
		t.Fatalf("tools/softhsm.sh: %v", err)
	}
	module := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "SOFTHSM2_CONF":
			t.Setenv("SOFTHSM2_CONF", v)
		case "PKCS11_MODULE":
			module = v
		}
	}
	return module
}

// TestServeWithHSM: serve keeps the root and agency keys in a PKCS#11
// token: the trust list it serves verifies with the root key, every
// agency key is ES256, and a wallet's sync verifies records signed in the
// token. A wrong PIN or a missing token stops serve at start, with a
// clear error.
func TestServeWithHSM(t *testing.T) {
	module := softHSM(t, "province", "246810")
	pinFile := filepath.Join(t.TempDir(), "pin")
	os.WriteFile(pinFile, []byte("246810\n"), 0o600)
	dir := t.TempDir()
	api, admin, out := serveUp(t, serveConfig{data: dir, citizens: 5, seed: 1, hsmModule: module, hsmToken: "province", hsmPINFile: pinFile})
	if !strings.Contains(out.String(), `PKCS#11 token "province"`) {
		t.Errorf("the banner does not say where the keys are:\n%s", out)
	}
	rootJWK, _ := os.ReadFile(filepath.Join(dir, RootKeyFile))
	root, err := keys.ParsePublicJWK(rootJWK)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + api + protocol.PathTrustList)
	if err != nil {
		t.Fatal(err)
	}
	var tl protocol.TrustListResponse
	json.NewDecoder(resp.Body).Decode(&tl)
	resp.Body.Close()
	l, err := trust.Verify(tl.TrustList, root)
	if err != nil {
		t.Fatalf("trust list signed in the token: %v", err)
	}
	for _, iss := range l.Issuers {
		for _, k := range iss.Keys {
			if k.Key.Alg() != keys.ES256 {
				t.Errorf("agency %s has a %s key; the HSM issues ES256", iss.ID, k.Key.Alg())
			}
		}
	}
	// A device's records, signed in the token, verify against that list.
	prov, _ := demo.New(5, 1)
	citizen := prov.Profile(1).CitizenID
	p := &proc{api: "http://" + api, admin: "http://" + admin, data: dir}
	dev, st := enrolDevice(t, p.api, citizen, p.code(t, citizen))
	if st != 200 {
		t.Fatalf("enrol: %d", st)
	}
	uri := protocol.PathChanges + "?limit=100"
	auth, _ := protocol.SignRequest(dev, "GET", uri, nil, time.Now())
	st, b := get(t, p.api, auth, uri)
	var page protocol.ChangesResponse
	if err := json.Unmarshal(b, &page); st != 200 || err != nil || len(page.Changes) == 0 {
		t.Fatalf("changes: %d %s", st, b)
	}
	for _, ch := range page.Changes {
		cred, err := ch.SDJWT()
		if err == nil {
			_, err = credential.Verify(cred, credential.VerifyOptions{Trust: l, Holder: dev.Public(), CitizenID: citizen})
		}
		if err != nil {
			t.Errorf("record %s signed in the token: %v", ch.RecordID, err)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "keys")); len(entries) > 0 {
		for _, en := range entries {
			if !strings.HasPrefix(en.Name(), "client-") {
				t.Errorf("a province key is a file beside the HSM: %s", en.Name())
			}
		}
	}

	// Wrong PIN, unknown token: refused at start.
	bad := filepath.Join(t.TempDir(), "pin")
	os.WriteFile(bad, []byte("999999"), 0o600)
	for _, c := range []struct{ token, pin, want string }{
		{"province", bad, "wrong PIN"},
		{"nosuchtoken", pinFile, "not found"},
	} {
		e := &env{ctx: context.Background(), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, getenv: func(string) string { return "" }}
		err := serve(e, serveConfig{addr: "127.0.0.1:0", admin: "127.0.0.1:0", data: t.TempDir(), citizens: 5, seed: 1,
			hsmModule: module, hsmToken: c.token, hsmPINFile: c.pin})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("token %q: %v, want an error saying %q", c.token, err, c.want)
		}
	}
}
