package sdjwt

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/trust"
)

// now is the verifier's clock in tests.
var now = time.Date(2026, 3, 15, 9, 30, 0, 0, time.UTC)

const (
	issuerID   = "vn.dongnai.soyte"
	counterAud = "vn.dongnai.bienhoa.motcua"
)

type fixture struct {
	root, issuer, holder *keys.PrivateKey
	list                 *trust.List
}

func gen(t testing.TB, alg keys.Alg) *keys.PrivateKey {
	t.Helper()
	k, err := keys.Generate(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newFixture makes a province root, one trusted issuer (Sở Y tế, ES256,
// valid from 2026-01-01) and a holder device key (EdDSA).
func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{root: gen(t, keys.EdDSA), issuer: gen(t, keys.ES256), holder: gen(t, keys.EdDSA)}
	f.list = trustList(t, f.root, map[string]*keys.PrivateKey{issuerID: f.issuer})
	return f
}

// trustList signs and verifies a real trust list holding the issuers.
func trustList(t testing.TB, root *keys.PrivateKey, issuers map[string]*keys.PrivateKey) *trust.List {
	t.Helper()
	l := trust.List{Province: "vn.dongnai", Version: 1, IssuedAt: now.AddDate(0, -1, 0), NextUpdate: now.AddDate(0, 1, 0)}
	for id, k := range issuers {
		l.Issuers = append(l.Issuers, trust.Issuer{ID: id, Name: trust.Name{VI: id}, Keys: []trust.IssuerKey{
			{Key: k.Public(), NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		}})
	}
	signed, err := trust.Sign(l, root)
	if err != nil {
		t.Fatal(err)
	}
	v, err := trust.Verify(signed, root.Public())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// healthCard is a 15-claim record: a health insurance card (thẻ BHYT).
func healthCard() map[string]any {
	return map[string]any{
		"so_dinh_danh":   "075090001234",
		"ho_ten":         "Nguyễn Thị Minh Khai",
		"ngay_sinh":      "1990-05-17",
		"gioi_tinh":      "Nữ",
		"so_the":         "DN4757512345678",
		"ma_quyen_loi":   4,
		"muc_huong":      80,
		"noi_dkkcb":      "Bệnh viện Đa khoa Đồng Nai",
		"ma_noi_dkkcb":   "75001",
		"gia_tri_tu":     "2026-01-01",
		"gia_tri_den":    "2026-12-31",
		"dia_chi":        "Số 12, đường Phạm Văn Thuận, phường Tân Mai, TP. Biên Hòa, Đồng Nai",
		"thoi_diem_5nam": "2025-01-01",
		"mien_cung_chi":  false,
		"ghi_chu":        []any{"Hộ gia đình", "Cấp lại lần 1"},
	}
}

func (f *fixture) request(claims map[string]any) IssueRequest {
	return IssueRequest{
		Issuer:   issuerID,
		Type:     "health.insurance_card",
		IssuedAt: now.AddDate(0, 0, -10),
		Expires:  now.AddDate(1, 0, 0),
		Holder:   f.holder.Public(),
		Metadata: map[string]any{"rid": "rec-0001", "ver": 2},
		Claims:   claims,
		Decoys:   4,
	}
}

func (f *fixture) issue(t testing.TB, claims map[string]any) string {
	t.Helper()
	s, err := Issue(f.issuer, f.request(claims))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fixture) binding() KeyBinding {
	return KeyBinding{
		Audience: counterAud,
		Nonce:    "n-7f3a9c",
		IssuedAt: now.Add(-time.Minute),
		Expires:  now.Add(time.Hour),
		Extra:    map[string]any{"jti": "c-0001", "purpose": "Đăng ký khai sinh", "procedure": "1.001193"},
	}
}

func (f *fixture) verifyOpts() VerifyOptions {
	return VerifyOptions{
		IssuerKey:  f.list.Key,
		Now:        now,
		KeyBinding: &BindingPolicy{Audience: counterAud},
	}
}

func (f *fixture) issuedOpts() VerifyOptions {
	return VerifyOptions{IssuerKey: f.list.Key, Now: now, Holder: f.holder.Public()}
}

// signIssuerJWT signs any payload as an issuer-signed JWT with k, to make
// credentials a buggy or hostile (but trusted) issuer could produce.
func signIssuerJWT(t testing.TB, k *keys.PrivateKey, payload map[string]any) string {
	t.Helper()
	jwt, err := keys.SignJWT(k, TypCredential, payload)
	if err != nil {
		t.Fatal(err)
	}
	return jwt
}

// encodeDisclosure encodes any JSON text as a disclosure.
func encodeDisclosure(jsonText string) string { return b64.EncodeToString([]byte(jsonText)) }

// basePayload is a valid issuer payload for holder with the given digests.
func (f *fixture) basePayload(digests ...string) map[string]any {
	p := map[string]any{
		"iss": issuerID, "iat": now.AddDate(0, 0, -1).Unix(), "vct": "health.insurance_card",
		"_sd_alg": "sha-256", "cnf": map[string]any{"jwk": f.holder.Public()},
	}
	if len(digests) > 0 {
		p["_sd"] = digests
	}
	return p
}

// parts splits a serialization at '~'.
func parts(s string) []string { return strings.Split(s, "~") }

// kbFor signs a key-binding JWT over prefix with k.
func kbFor(t testing.TB, k *keys.PrivateKey, prefix string, claims map[string]any) string {
	t.Helper()
	c := map[string]any{"aud": counterAud, "nonce": "n", "iat": now.Unix(), "sd_hash": sdHash(prefix)}
	for n, v := range claims {
		if v == nil {
			delete(c, n)
			continue
		}
		c[n] = v
	}
	jwt, err := keys.SignJWT(k, TypKeyBinding, c)
	if err != nil {
		t.Fatal(err)
	}
	return jwt
}

func jsonEqual(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// rawSign signs input with k using the standard library directly (the
// key's private JWK gives the scalar or seed), for tests that need a valid
// signature under a header Sign would never write.
func rawSign(t testing.TB, k *keys.PrivateKey, input []byte) []byte {
	t.Helper()
	var jwk struct{ D string }
	if err := json.Unmarshal(mustJSON(t, k), &jwk); err != nil {
		t.Fatal(err)
	}
	d, err := b64.DecodeString(jwk.D)
	if err != nil {
		t.Fatal(err)
	}
	if k.Alg() == keys.EdDSA {
		return ed25519.Sign(ed25519.NewKeyFromSeed(d), input)
	}
	ek, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(input)
	r, s, err := ecdsa.Sign(rand.Reader, ek, h[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
