package sdjwt

import (
	"testing"
)

// The benchmarks use the 15-claim health insurance card of healthCard.

func BenchmarkIssue(b *testing.B) {
	f := newFixture(b)
	req := f.request(healthCard())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Issue(f.issuer, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPresent(b *testing.B) {
	f := newFixture(b)
	sel := Selection{Credential: f.issue(b, healthCard()), Disclose: []string{"ho_ten", "ngay_sinh", "so_dinh_danh", "dia_chi"}}
	kb := f.binding()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Present(f.holder, kb, sel); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyIssued is the wallet checking a synced record: all 15
// disclosures, no key binding.
func BenchmarkVerifyIssued(b *testing.B) {
	f := newFixture(b)
	issued := f.issue(b, healthCard())
	opts := f.issuedOpts()
	b.SetBytes(int64(len(issued)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(issued, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyPresentation is the counter checking 4 disclosed claims
// with a key binding.
func BenchmarkVerifyPresentation(b *testing.B) {
	f := newFixture(b)
	pres, err := Present(f.holder, f.binding(), Selection{Credential: f.issue(b, healthCard()), Disclose: []string{"ho_ten", "ngay_sinh", "so_dinh_danh", "dia_chi"}})
	if err != nil {
		b.Fatal(err)
	}
	opts := f.verifyOpts()
	b.SetBytes(int64(len(pres)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(pres, opts); err != nil {
			b.Fatal(err)
		}
	}
}
