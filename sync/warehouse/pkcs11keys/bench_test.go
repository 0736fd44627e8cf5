package pkcs11keys_test

import (
	"testing"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// BenchmarkSignES256 is signatures per second (the sig/s metric) with a
// key in the token and with a software key, one signer at a time and
// from GOMAXPROCS goroutines. The payload is a small JWT, so the time is
// the signature's.
func BenchmarkSignES256(b *testing.B) {
	tk := newToken(b, "bench")
	s := open(b, tk.config())
	token := mustKey(b, s, "root")
	software, err := keys.Generate(keys.ES256)
	if err != nil {
		b.Fatal(err)
	}
	payload := []byte(`{"iss":"vn.dongnai.soyte","iat":1767225600,"vct":"health.insurance_card"}`)
	for _, c := range []struct {
		name string
		k    *keys.PrivateKey
	}{{"token", token}, {"software", software}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := keys.Sign(c.k, "test+jwt", payload); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sig/s")
		})
		b.Run(c.name+"-parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := keys.Sign(c.k, "test+jwt", payload); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sig/s")
		})
	}
}
