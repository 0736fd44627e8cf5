package consent

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
)

// interopDir holds the independent SD-JWT verifier (tools/interop/sdjwt:
// the OpenWallet Foundation's @sd-jwt/core, pinned by its lock file).
var interopDir = filepath.Join("..", "..", "tools", "interop", "sdjwt")

type interopResult struct {
	OK     bool           `json:"ok"`
	Error  string         `json:"error"`
	Claims map[string]any `json:"claims"`
	KB     map[string]any `json:"kb"`
}

// independentVerify runs tools/interop/sdjwt/verify.mjs on presentations.
// Without node or the installed libraries the test skips, except in CI
// (CI set), where tools/install-test-deps.sh installs them.
func independentVerify(t *testing.T, f *fixture, nonce string, now time.Time, presentations []string) []interopResult {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(interopDir, "node_modules", "@sd-jwt", "core"))
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the independent verifier is not installed (npm ci --prefix tools/interop/sdjwt): %v", err)
		}
		t.Skipf("the independent verifier is not installed (npm ci --prefix tools/interop/sdjwt): %v", err)
	}
	issuers := map[string]json.RawMessage{}
	for _, k := range []*keys.PrivateKey{f.police, f.justice} {
		j, err := k.Public().MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		issuers[k.KID()] = j
	}
	req, err := json.Marshal(map[string]any{"issuers": issuers, "audience": counter, "nonce": nonce, "now": now.Unix(), "presentations": presentations})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "verify.mjs")
	cmd.Dir = interopDir
	cmd.Stdin = bytes.NewReader(req)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("verify.mjs: %v: %s", err, stderr.String())
	}
	var res []interopResult
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(presentations) {
		t.Fatalf("verify.mjs answered %q: %v", out, err)
	}
	return res
}

// Every presentation of a consent token is a standard SD-JWT+KB: the
// OpenWallet Foundation's @sd-jwt/core, which knows nothing of this
// project, verifies each record's presentation on its own (issuer
// signature, disclosures, key binding with cnf, sd_hash, nonce,
// audience) and sees exactly the chosen fields; and it refuses a
// presentation with a disclosure swapped in, so the check can fail.
func TestIndependentVerifierReadsEveryRecord(t *testing.T) {
	f := newFixture(t)
	r := f.request()
	r.Nonce = "counter-nonce-42"
	tok, id, err := Build(r)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(tok, Separator)
	// Tampered: the identity presentation with a disclosure of the birth
	// record in place of its own.
	idParts := strings.Split(lines[0], "~")
	birthParts := strings.Split(lines[1], "~")
	tampered := strings.Replace(lines[0], idParts[1], birthParts[1], 1)
	res := independentVerify(t, f, r.Nonce, t0.Add(time.Minute), append(lines, tampered))
	want := []map[string]any{
		{"full_name": "Nguyễn Thị Thu Hà", "citizen_id": "075192004517"},
		{"father_name": "Nguyễn Văn An"},
	}
	for i, w := range want {
		got := res[i]
		if !got.OK {
			t.Fatalf("record %d refused by the independent verifier: %s", i+1, got.Error)
		}
		for name, v := range w {
			if got.Claims[name] != v {
				t.Errorf("record %d: %s = %v, want %v", i+1, name, got.Claims[name], v)
			}
		}
		for _, hidden := range []string{"birth_date", "sex", "ethnicity", "mother_name"} {
			if _, ok := got.Claims[hidden]; ok {
				t.Errorf("record %d: the undisclosed %s is visible", i+1, hidden)
			}
		}
		if got.KB["jti"] != id || got.KB["purpose"] != r.Purpose || got.KB["procedure"] != r.Procedure {
			t.Errorf("record %d: key binding %v", i+1, got.KB)
		}
	}
	if res[2].OK {
		t.Fatal("the independent verifier accepted a presentation with a swapped disclosure")
	}
	t.Logf("tampered presentation refused: %s", res[2].Error)
}

// A structured object with the province alone (recursive disclosures,
// RFC 9901 §4.2.6) reads the same in the independent verifier: the object
// with one member, the street and commune hidden.
func TestIndependentVerifierReadsAnObjectMember(t *testing.T) {
	f := newFixture(t)
	cred, err := sdjwt.Issue(f.police, sdjwt.IssueRequest{Issuer: "vn.bca.cuc-c06", Type: "identity.residence", IssuedAt: issuedAt, Holder: f.dev.Public(),
		Metadata: map[string]any{"rver": 1},
		Claims:   map[string]any{"address": "Số 17, đường Võ Thị Sáu", "commune": "Phường Tam Hiệp", "province": "Đồng Nai", "residence_kind": "permanent"},
		Objects:  map[string][]string{"residence_address": {"address", "commune", "province"}}, ObjectDecoys: true, Decoys: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := f.request()
	r.Nonce = "n-object"
	r.Selections = []sdjwt.Selection{{Credential: cred, Disclose: []string{"province"}}}
	tok, _, err := Build(r)
	if err != nil {
		t.Fatal(err)
	}
	res := independentVerify(t, f, r.Nonce, t0.Add(time.Minute), []string{tok})
	if !res[0].OK {
		t.Fatalf("refused: %s", res[0].Error)
	}
	addr, _ := res[0].Claims["residence_address"].(map[string]any)
	if len(addr) != 1 || addr["province"] != "Đồng Nai" || res[0].Claims["residence_kind"] != nil {
		t.Fatalf("claims %v", res[0].Claims)
	}
}
