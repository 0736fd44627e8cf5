package statuslist

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
)

// province100M is the province's size: 100 million credentials.
const province100M = 100_000_000

// withdrawnList builds a one-bit list of size entries with exactly
// rate*size entries INVALID, chosen at random (a fixed seed, so runs
// compare), and returns it with the indices set.
func withdrawnList(tb testing.TB, size int, rate float64) (*List, []int) {
	l, err := New(1, size)
	if err != nil {
		tb.Fatal(err)
	}
	r := rand.New(rand.NewPCG(15, uint64(rate*1e6)))
	want := int(float64(size) * rate)
	idx := make([]int, 0, want)
	for len(idx) < want {
		i := r.IntN(size)
		if s, _ := l.Get(i); s == Invalid {
			continue
		}
		_ = l.Set(i, Invalid)
		idx = append(idx, i)
	}
	return l, idx
}

// BenchmarkList100M measures a province-size list: 100 M one-bit entries
// with 0.1 % and 1 % withdrawn at random. Per rate:
//
//	build   set the withdrawn entries, compress, sign (ES256): the warehouse's cost per publication
//	verify  verify the signature, check the claims, inflate: a counter's cost per fetched list
//	check   one lookup in the verified list: a counter's cost per credential
//
// and, as metrics, the lst length and the whole signed token's length.
// Run with -benchtime 1x or 3x: one build takes seconds.
func BenchmarkList100M(b *testing.B) {
	key, err := keys.Generate(keys.ES256)
	if err != nil {
		b.Fatal(err)
	}
	lookup := func(string) (*keys.PublicKey, error) { return key.Public(), nil }
	for _, rate := range []float64{0.001, 0.01} {
		name := fmt.Sprintf("withdrawn=%g%%", rate*100)
		l, idx := withdrawnList(b, province100M, rate)
		tok := &Token{Subject: testURI, IssuedAt: jan2026, Expires: jan2026.Add(48 * time.Hour), TTL: time.Hour, List: l}
		signed, err := tok.Sign(key)
		if err != nil {
			b.Fatal(err)
		}
		lst := len(l.Encode().Lst)
		opts := VerifyOptions{Subject: testURI, Keys: lookup, Now: jan2026.Add(time.Minute)}
		// The verified list says exactly what was set.
		got, err := Verify(signed, opts)
		if err != nil {
			b.Fatal(err)
		}
		ones := 0
		for _, c := range got.List.Bytes() {
			ones += bits.OnesCount8(c)
		}
		if ones != len(idx) || got.List.Len() != province100M {
			b.Fatalf("%s: %d withdrawn of %d read back, want %d of %d", name, ones, got.List.Len(), len(idx), province100M)
		}
		// What a counter downloads with Accept-Encoding: gzip.
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		_, _ = zw.Write([]byte(signed))
		_ = zw.Close()
		report := func(b *testing.B) {
			b.ReportMetric(float64(lst), "lst-bytes")
			b.ReportMetric(float64(len(signed)), "token-bytes")
			b.ReportMetric(float64(gz.Len()), "gzip-bytes")
		}
		b.Run(name+"/build", func(b *testing.B) {
			for b.Loop() {
				l, _ := New(1, province100M)
				for _, i := range idx {
					_ = l.Set(i, Invalid)
				}
				if _, err := (&Token{Subject: testURI, IssuedAt: jan2026, TTL: time.Hour, List: l}).Sign(key); err != nil {
					b.Fatal(err)
				}
			}
			report(b)
		})
		b.Run(name+"/build-level6", func(b *testing.B) {
			for b.Loop() {
				if _, err := (&Token{Subject: testURI, IssuedAt: jan2026, TTL: time.Hour, List: l, Compression: 6}).Sign(key); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(l.EncodeLevel(6).Lst)), "lst-bytes")
		})
		b.Run(name+"/verify", func(b *testing.B) {
			for b.Loop() {
				if _, err := Verify(signed, opts); err != nil {
					b.Fatal(err)
				}
			}
			report(b)
		})
		b.Run(name+"/check", func(b *testing.B) {
			// 100 000 lookups per op, so that -benchtime 1x still measures.
			const lookups = 100_000
			r := rand.New(rand.NewPCG(1, 2))
			start := time.Now()
			for b.Loop() {
				for range lookups {
					if _, err := got.Status(Reference{Index: r.IntN(province100M), URI: testURI}); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*lookups), "ns/lookup")
		})
	}
}
