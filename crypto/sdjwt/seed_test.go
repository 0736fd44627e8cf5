package sdjwt

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// A seeded credential is an ordinary SD-JWT whose salts and decoys are
// the seed's: it verifies and presents as any other, the salts and
// decoys are the ones SeededSalt and SeededDecoy give, every value
// differs between claims and between seeds, and issuing again with the
// same seed gives the same disclosures.
func TestSeededIssuance(t *testing.T) {
	f := newFixture(t)
	seed := make([]byte, SeedSize)
	rand.Read(seed)
	req := f.request(healthCard())
	req.Seed = seed
	cred, err := Issue(f.issuer, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(cred, f.issuedOpts()); err != nil {
		t.Fatal(err)
	}
	pres, err := Present(f.holder, f.binding(), Selection{Credential: cred, Disclose: []string{"ho_ten"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(pres, f.verifyOpts()); err != nil {
		t.Fatal(err)
	}

	ps := parts(cred)
	salts := map[string]bool{}
	for _, enc := range ps[1 : len(ps)-1] {
		d, err := ParseDisclosure(enc)
		if err != nil {
			t.Fatal(err)
		}
		if d.Salt != SeededSalt(seed, d.Name) {
			t.Errorf("%s: salt %s, want the seeded one", d.Name, d.Salt)
		}
		salts[d.Salt] = true
	}
	if len(salts) != len(healthCard()) {
		t.Errorf("%d distinct salts for %d claims", len(salts), len(healthCard()))
	}
	payload := payloadOf(t, ps[0])
	for j := range req.Decoys {
		if !slices.Contains(payload.SD, SeededDecoy(seed, j)) {
			t.Errorf("decoy %d is not in _sd", j)
		}
	}
	if SeededDecoy(seed, 0) == SeededDecoy(seed, 1) {
		t.Error("two decoys are equal")
	}
	other := bytes.Clone(seed)
	other[0] ^= 1
	if SeededSalt(seed, "ho_ten") == SeededSalt(other, "ho_ten") || SeededDecoy(seed, 0) == SeededDecoy(other, 0) {
		t.Error("another seed gives the same salt or decoy")
	}
	again, err := Issue(f.issuer, req)
	if err != nil {
		t.Fatal(err)
	}
	if strings.SplitN(again, "~", 2)[1] != strings.SplitN(cred, "~", 2)[1] {
		t.Error("the same seed gave other disclosures")
	}

	for _, n := range []int{1, 16, SeedSize + 1} {
		req.Seed = make([]byte, n)
		if _, err := Issue(f.issuer, req); err == nil {
			t.Errorf("a seed of %d bytes was taken", n)
		}
	}
}

type sdPayload struct {
	SD []string `json:"_sd"`
}

func payloadOf(t *testing.T, jwt string) sdPayload {
	t.Helper()
	raw, err := b64.DecodeString(strings.Split(jwt, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var p sdPayload
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	return p
}
