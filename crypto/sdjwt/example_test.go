package sdjwt_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/crypto/trust"
)

func Example() {
	// The province's root key signs the trust list naming the Department
	// of Health's key; the citizen's phone has a device key.
	root, _ := keys.Generate(keys.EdDSA)
	health, _ := keys.Generate(keys.ES256)
	device, _ := keys.Generate(keys.EdDSA)
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	signedList, _ := trust.Sign(trust.List{
		Province: "vn.dongnai", Version: 1, IssuedAt: jan, NextUpdate: jan.AddDate(0, 1, 0),
		Issuers: []trust.Issuer{{ID: "vn.dongnai.soyte", Name: trust.Name{VI: "Sở Y tế Đồng Nai"},
			Keys: []trust.IssuerKey{{Key: health.Public(), NotBefore: jan}}}},
	}, root)
	list, err := trust.Verify(signedList, root.Public())
	if err != nil {
		panic(err)
	}

	// Issue: the Department of Health signs a health insurance card bound
	// to the device key.
	credential, err := sdjwt.Issue(health, sdjwt.IssueRequest{
		Issuer:   "vn.dongnai.soyte",
		Type:     "health.insurance_card",
		IssuedAt: jan.AddDate(0, 0, 10),
		Holder:   device.Public(),
		Metadata: map[string]any{"rid": "bhyt-2026-001", "ver": 1},
		Claims: map[string]any{
			"so_dinh_danh": "075090001234",
			"ho_ten":       "Nguyễn Thị Minh Khai",
			"ngay_sinh":    "1990-05-17",
			"so_the":       "DN4757512345678",
			"muc_huong":    80,
		},
		Decoys: 3,
	})
	if err != nil {
		panic(err)
	}

	// Present: the citizen shares two fields with a one-stop counter.
	now := jan.AddDate(0, 2, 0)
	presentation, err := sdjwt.Present(device, sdjwt.KeyBinding{
		Audience: "vn.dongnai.bienhoa.motcua",
		Nonce:    "4f1c2a",
		IssuedAt: now,
		Expires:  now.Add(30 * time.Minute),
		Extra:    map[string]any{"jti": "consent-17", "purpose": "Cấp thẻ BHYT"},
	}, sdjwt.Selection{Credential: credential, Disclose: []string{"ho_ten", "so_the"}})
	if err != nil {
		panic(err)
	}

	// Verify: the counter checks it offline against its trust list.
	p, err := sdjwt.Verify(presentation, sdjwt.VerifyOptions{
		IssuerKey:  list.Key,
		Now:        now.Add(2 * time.Minute),
		KeyBinding: &sdjwt.BindingPolicy{Audience: "vn.dongnai.bienhoa.motcua"},
	})
	if err != nil {
		panic(err)
	}
	c := p.Credentials[0]
	issuer, _ := list.Issuer(c.Issuer)
	fmt.Println("vouched for by:", issuer.Name.VI, "record", c.Metadata["rid"])
	for _, n := range slices.Sorted(maps.Keys(c.Claims)) {
		fmt.Printf("%s: %v\n", n, c.Claims[n])
	}
	fmt.Println("consent:", p.KeyBinding.Extra["jti"], p.KeyBinding.Extra["purpose"])

	// The same presentation shown to another counter is refused.
	_, err = sdjwt.Verify(presentation, sdjwt.VerifyOptions{
		IssuerKey:  list.Key,
		Now:        now.Add(2 * time.Minute),
		KeyBinding: &sdjwt.BindingPolicy{Audience: "vn.dongnai.longkhanh.motcua"},
	})
	fmt.Println("other counter:", errors.Is(err, sdjwt.ErrAudience))

	// A disclosure edited by the holder is refused.
	parts := strings.Split(presentation, "~")
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(`["salt","ho_ten","Trần Văn Giả"]`))
	_, err = sdjwt.Verify(strings.Join(parts, "~"), sdjwt.VerifyOptions{
		IssuerKey:  list.Key,
		Now:        now.Add(2 * time.Minute),
		KeyBinding: &sdjwt.BindingPolicy{Audience: "vn.dongnai.bienhoa.motcua"},
	})
	fmt.Println("edited field:", errors.Is(err, sdjwt.ErrUnreferencedDisclosure))
	// Output:
	// vouched for by: Sở Y tế Đồng Nai record bhyt-2026-001
	// ho_ten: Nguyễn Thị Minh Khai
	// so_the: DN4757512345678
	// consent: consent-17 Cấp thẻ BHYT
	// other counter: true
	// edited field: true
}

// A standard SD-JWT that is not of this province's profile: the SD-JWT+KB
// of RFC 9901 §5.2, signed by the example issuer key of its Appendix A.5,
// with nested (address) and array-element (nationalities) disclosures
// and a key-binding JWT without kid.
func ExampleVerify_profile() {
	raw, _ := os.ReadFile("testdata/rfc9901/5.2-presentation.txt")
	jwk, _ := os.ReadFile("testdata/rfc9901/A.5-issuer-key.json")
	issuer, err := keys.ParsePublicJWK(jwk)
	if err != nil {
		panic(err)
	}
	opts := sdjwt.VerifyOptions{
		IssuerKey: func(iss, kid string, _ time.Time) (*keys.PublicKey, error) {
			if iss != "https://issuer.example.com" {
				return nil, errors.New("unknown issuer")
			}
			return issuer, nil
		},
		Now:        time.Unix(1748536865, 0).Add(time.Minute),
		KeyBinding: &sdjwt.BindingPolicy{Audience: "https://verifier.example.org", Nonce: "1234567890"},
		Profile:    &sdjwt.Profile{Typ: "example+sd-jwt"},
	}
	p, err := sdjwt.Verify(strings.TrimSpace(string(raw)), opts)
	if err != nil {
		panic(err)
	}
	c := p.Credentials[0]
	fmt.Println(c.Claims["given_name"], c.Claims["family_name"], c.Payload["sub"])
	fmt.Println("nationalities:", c.Payload["nationalities"])
	fmt.Println("locality:", c.Claims["address"].(map[string]any)["locality"])

	// Our own profile refuses it: its typ is not "dc+sd-jwt".
	opts.Profile = nil
	_, err = sdjwt.Verify(strings.TrimSpace(string(raw)), opts)
	fmt.Println("province profile:", errors.Is(err, keys.ErrTyp))
	// Output:
	// John Doe user_42
	// nationalities: [US]
	// locality: Anytown
	// province profile: true
}
