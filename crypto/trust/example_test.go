package trust_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/trust"
)

func Example() {
	root, _ := keys.Generate(keys.EdDSA)
	health, _ := keys.Generate(keys.ES256)
	jan2026 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	// The province signs its list with the root key.
	signed, err := trust.Sign(trust.List{
		Province:   "vn.dongnai",
		Version:    1,
		IssuedAt:   jan2026,
		NextUpdate: jan2026.AddDate(0, 0, 7),
		Issuers: []trust.Issuer{{
			ID:   "vn.dongnai.soyte",
			Name: trust.Name{VI: "Sở Y tế Đồng Nai", EN: "Dong Nai Department of Health"},
			Keys: []trust.IssuerKey{{Key: health.Public(), NotBefore: jan2026}},
		}},
	}, root)
	if err != nil {
		panic(err)
	}

	// A wallet or counter that holds the root public key verifies it ...
	list, err := trust.Verify(signed, root.Public())
	if err != nil {
		panic(err)
	}
	// ... and judges an issuer's key at a record's issue time.
	k, err := list.Key("vn.dongnai.soyte", health.KID(), jan2026.AddDate(0, 2, 0))
	fmt.Println(err == nil && k.Equal(health.Public()))
	_, err = list.Key("vn.dongnai.soyte", health.KID(), jan2026.AddDate(-1, 0, 0))
	fmt.Println(errors.Is(err, trust.ErrKeyNotValidAt))
	_, err = list.Key("vn.dongnai.congan", health.KID(), jan2026)
	fmt.Println(errors.Is(err, trust.ErrUnknownIssuer))
	// Output:
	// true
	// true
	// true
}

// A wallet offers the offices of the kinds a procedure names, by name;
// a counter titles a recipient with List.Name, never with its id.
func ExampleList_OfficesOfKind() {
	list := trust.List{Offices: []trust.Office{
		{ID: "vn.dongnai.ubnd.tri-an", Name: trust.Name{VI: "UBND xã Trị An", EN: "Tri An Commune People's Committee"}, Kind: trust.KindCommune},
		{ID: "vn.dongnai.ca.tran-bien", Name: trust.Name{VI: "Công an phường Trấn Biên", EN: "Tran Bien Ward Police"}, Kind: trust.KindCommunePolice},
		{ID: "vn.dongnai.ubnd.dai-phuoc", Name: trust.Name{VI: "UBND xã Đại Phước", EN: "Dai Phuoc Commune People's Committee"}, Kind: trust.KindCommune},
		{ID: "vn.dongnai.ubnd.tran-bien", Name: trust.Name{VI: "UBND phường Trấn Biên", EN: "Tran Bien Ward People's Committee"}, Kind: trust.KindCommune},
	}}
	for _, o := range list.OfficesOfKind(trust.KindCommune) {
		fmt.Println(o.Name.VI)
	}
	n, _ := list.Name("vn.dongnai.ca.tran-bien")
	fmt.Println(n.VI, "/", n.EN)
	// Output:
	// UBND phường Trấn Biên
	// UBND xã Đại Phước
	// UBND xã Trị An
	// Công an phường Trấn Biên / Tran Bien Ward Police
}
