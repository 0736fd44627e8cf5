package keys_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

func ExampleSign() {
	device, err := keys.Generate(keys.EdDSA)
	if err != nil {
		panic(err)
	}
	tok, err := keys.Sign(device, "sync-request+jwt", []byte(`{"cursor":"42"}`))
	if err != nil {
		panic(err)
	}

	// The server knows the device's public key by its kid.
	payload, kid, err := keys.Verify(tok, "sync-request+jwt", keys.StaticKey(device.Public()))
	if err != nil {
		panic(err)
	}
	fmt.Println(string(payload), kid == device.KID())

	// The same token is refused where another typ is expected.
	_, _, err = keys.Verify(tok, "trustlist+jwt", keys.StaticKey(device.Public()))
	fmt.Println(errors.Is(err, keys.ErrTyp))
	// Output:
	// {"cursor":"42"} true
	// true
}

func ExampleParsePublicJWK() {
	k, err := keys.ParsePublicJWK([]byte(`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(k.Alg(), k.KID())
	out, _ := json.Marshal(k)
	fmt.Println(string(out))

	_, err = keys.ParsePublicJWK([]byte(`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}`))
	fmt.Println(errors.Is(err, keys.ErrPrivateMember))
	// Output:
	// EdDSA kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k
	// {"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
	// true
}
