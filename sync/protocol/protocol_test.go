package protocol_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

func mustKey(t testing.TB, alg keys.Alg) *keys.PrivateKey {
	k, err := keys.Generate(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// issued returns real credentials of every record type.
func issued(t testing.TB) []string {
	issuer, holder := mustKey(t, keys.EdDSA), mustKey(t, keys.ES256)
	var out []string
	for _, typ := range wallet.Types() {
		r := sample.Record(typ, 7)
		c, err := credential.Issue(r, sample.Profile(7).CitizenID, issuer, holder.Public(), credential.IssueOptions{SignedAt: r.IssuedAt.AddDate(0, 0, 1), Province: "vn.dongnai"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func TestCompactRoundTrip(t *testing.T) {
	creds := issued(t)
	var full, compact int
	for _, cred := range creds {
		c, ok := protocol.Compact(cred)
		if !ok {
			t.Fatalf("not compactable: %s", cred[:40])
		}
		// Every disclosure's digest in the payload is a placeholder (those
		// of an object's members are in the object's disclosure).
		for _, d := range strings.Split(cred, "~")[1:strings.Count(cred, "~")] {
			if c.Payload == "" || strings.Contains(c.Payload, sdjwt.Digest(d)) {
				t.Errorf("payload keeps digests: %s", c.Payload)
			}
		}
		if strings.Count(c.Payload, `"~`) == 0 {
			t.Errorf("no placeholder: %s", c.Payload)
		}
		// Through JSON, as on the wire.
		b, _ := json.Marshal(protocol.Change{Seq: 1, Compact: &c})
		var ch protocol.Change
		if err := json.Unmarshal(b, &ch); err != nil {
			t.Fatal(err)
		}
		back, err := ch.SDJWT()
		if err != nil || back != cred {
			t.Fatalf("expand: %v; equal=%v", err, back == cred)
		}
		full += len(cred)
		compact += len(b)
	}
	t.Logf("%d credentials: %d bytes as SD-JWT, %d as compact JSON (before gzip)", len(creds), full, compact)
}

func TestCompactRefusesAndFallsBack(t *testing.T) {
	cred := issued(t)[0]
	for _, bad := range []string{"", "a.b.c", "no-tilde", "a.b~", "!!.b.c~", cred + "x"} {
		if _, ok := protocol.Compact(bad); ok {
			t.Errorf("Compact(%q) ok", bad)
		}
	}
	// A payload that contains "~ travels as it was issued.
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"rid":"a\"~1","_sd":[]}`))
	odd := "eyJhbGciOiJFZERTQSJ9." + payload + ".c2ln~"
	c, ok := protocol.Compact(odd)
	if !ok || c.RawPayload != payload || c.Payload != "" {
		t.Fatalf("odd payload: %+v %v", c, ok)
	}
	if back, err := c.Expand(); err != nil || back != odd {
		t.Fatalf("odd payload expands to %q, %v", back, err)
	}

	good, _ := protocol.Compact(cred)
	// Two placeholders of the payload (the digests of members of an
	// address object are in its disclosure, not the payload).
	ph := regexp.MustCompile(`"~[0-9]+"`).FindAllString(good.Payload, 2)
	if len(ph) < 2 {
		t.Fatalf("compact payload has %d placeholders: %s", len(ph), good.Payload)
	}
	first, second := ph[0], ph[1]
	edits := map[string]func(c *protocol.CompactCredential){
		"placeholder out of range": func(c *protocol.CompactCredential) { c.Payload = strings.Replace(c.Payload, first, `"~99"`, 1) },
		"placeholder twice":        func(c *protocol.CompactCredential) { c.Payload = strings.Replace(c.Payload, second, first, 1) },
		"placeholder not a number": func(c *protocol.CompactCredential) { c.Payload = strings.Replace(c.Payload, first, `"~x"`, 1) },
		"leading zero":             func(c *protocol.CompactCredential) { c.Payload = strings.Replace(c.Payload, first, `"~0`+first[2:], 1) },
		"unterminated": func(c *protocol.CompactCredential) {
			c.Payload = c.Payload[:strings.Index(c.Payload, first)+len(first)-1]
		},
		"both payload forms":   func(c *protocol.CompactCredential) { c.RawPayload = "e30" },
		"no payload":           func(c *protocol.CompactCredential) { c.Payload = "" },
		"no signature":         func(c *protocol.CompactCredential) { c.Signature = "" },
		"too many disclosures": func(c *protocol.CompactCredential) { c.Disclosures = make([]string, 300) },
		"too large":            func(c *protocol.CompactCredential) { c.Header = strings.Repeat("x", 300<<10) },
	}
	for name, edit := range edits {
		c := good
		c.Disclosures = append([]string(nil), good.Disclosures...)
		edit(&c)
		if _, err := c.Expand(); !errors.Is(err, protocol.ErrCompact) {
			t.Errorf("%s: %v; want ErrCompact", name, err)
		}
	}
	for _, ch := range []protocol.Change{{Seq: 1}, {Seq: 2, Credential: cred, Compact: &good}} {
		if _, err := ch.SDJWT(); !errors.Is(err, protocol.ErrCompact) {
			t.Errorf("change %d: %v", ch.Seq, err)
		}
	}
}

func FuzzExpand(f *testing.F) {
	for _, cred := range issued(f)[:3] {
		c, _ := protocol.Compact(cred)
		b, _ := json.Marshal(c)
		f.Add(b)
	}
	f.Add([]byte(`{"h":"{}","p":"\"~0\"","s":"x","d":["[]"]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var c protocol.CompactCredential
		if json.Unmarshal(b, &c) != nil {
			return
		}
		s, err := c.Expand()
		if err != nil {
			return
		}
		// What expands compacts back to something that expands the same.
		if c2, ok := protocol.Compact(s); ok {
			if s2, err := c2.Expand(); err != nil || s2 != s {
				t.Fatalf("re-expansion differs")
			}
		}
	})
}

func TestSignRequest(t *testing.T) {
	dev := mustKey(t, keys.ES256)
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"revocations":[]}`)
	auth, err := protocol.SignRequest(dev, "POST", "/v1/consents/revocations", body, now)
	if err != nil {
		t.Fatal(err)
	}
	jwt, ok := strings.CutPrefix(auth, protocol.AuthScheme+" ")
	if !ok {
		t.Fatalf("header %q", auth)
	}
	claims, kid, err := keys.VerifyJWT(jwt, protocol.RequestJWTType, func(k string, _ keys.Alg) (*keys.PublicKey, error) {
		return dev.Public(), nil
	})
	if err != nil || kid != dev.KID() {
		t.Fatal(err)
	}
	if claims["sub"] != dev.KID() || claims["htm"] != "POST" || claims["htu"] != "/v1/consents/revocations" ||
		claims["iat"] != float64(now.Unix()) || claims["bh"] == nil || len(claims["jti"].(string)) != 22 {
		t.Errorf("claims %v", claims)
	}
	again, _ := protocol.SignRequest(dev, "POST", "/v1/consents/revocations", body, now)
	if again == auth {
		t.Error("two requests share an id")
	}
	get, _ := protocol.SignRequest(dev, "GET", "/v1/changes", nil, now)
	c2, _, _ := keys.VerifyJWT(strings.TrimPrefix(get, "Device "), protocol.RequestJWTType, func(string, keys.Alg) (*keys.PublicKey, error) { return dev.Public(), nil })
	if _, has := c2["bh"]; has {
		t.Error("a request without a body carries a body hash")
	}
}

// The OpenAPI document names every endpoint and error code of the
// protocol, so it cannot silently fall behind the code.
func TestOpenAPIDocumentsProtocol(t *testing.T) {
	doc, err := os.ReadFile("../../docs/warehouse-openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{protocol.PathEnrol, protocol.PathTrustList, protocol.PathChanges, protocol.PathRevocations, protocol.PathAccessLog, protocol.PathRedeem, protocol.PathRevocationList, protocol.PathIngest} {
		if !strings.Contains(string(doc), "\n  "+p+":\n") {
			t.Errorf("docs/warehouse-openapi.yaml has no path %s", p)
		}
	}
	for _, c := range []string{protocol.ErrCodeBadRequest, protocol.ErrCodeUnauthorized, protocol.ErrCodeReplay, protocol.ErrCodeBadCode,
		protocol.ErrCodeBadCursor, protocol.ErrCodeNotFound, protocol.ErrCodeInternal, protocol.RequestJWTType, protocol.AuthScheme,
		protocol.ErrCodeRevoked, protocol.ErrCodeUsed, protocol.ErrCodeAudience, protocol.ErrCodeExpired,
		protocol.AgencyAuthScheme, protocol.AgencyRequestJWTType, protocol.ErrCodeUnknownCitizen, protocol.ErrCodeUnknownType,
		protocol.ErrCodeInvalidRecord, protocol.ErrCodeTooLarge, protocol.ErrCodeWrongIssuer, protocol.ErrCodeStaleVersion,
		protocol.ErrCodeRecordExists, protocol.ErrCodeNoRecord, protocol.ErrCodeWithdrawn, protocol.ErrCodeConflict, protocol.ErrCodeTypeChanged,
		protocol.ErrCodeBusy, protocol.ErrCodeMethod, protocol.ErrCodeForbidden} {
		if !strings.Contains(string(doc), c) {
			t.Errorf("docs/warehouse-openapi.yaml does not mention %s", c)
		}
	}
}
