package keys

import "testing"

func BenchmarkSign(b *testing.B) {
	payload := []byte(`{"iss":"vn.dongnai.soyte","iat":1767225600,"vct":"health.insurance_card"}`)
	for _, alg := range algs {
		b.Run(string(alg), func(b *testing.B) {
			k := mustGenerate(b, alg)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Sign(k, testTyp, payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	payload := []byte(`{"iss":"vn.dongnai.soyte","iat":1767225600,"vct":"health.insurance_card"}`)
	for _, alg := range algs {
		b.Run(string(alg), func(b *testing.B) {
			k := mustGenerate(b, alg)
			tok, err := Sign(k, testTyp, payload)
			if err != nil {
				b.Fatal(err)
			}
			lookup := StaticKey(k.Public())
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Verify(tok, testTyp, lookup); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParsePublicJWK(b *testing.B) {
	jwk := mustJSON(b, mustGenerate(b, ES256).Public())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePublicJWK(jwk); err != nil {
			b.Fatal(err)
		}
	}
}
