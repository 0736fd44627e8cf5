package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// testReplaceCredential: a stored version takes a re-issued credential
// (same record, another credential) and keeps when it was received;
// anything else different under the same version is still refused, an
// empty credential replaces nothing, and the change survives a reopen
// and is atomic with its batch.
func testReplaceCredential(t *testing.T, f Factory) {
	ctx := context.Background()
	s, r := create(t, f, 4)
	typ := mustType("health.insurance_card")
	v1 := sample.Record(typ, 4)
	v1.Credential = "old-credential~"
	v1.ReceivedAt = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	if err := s.Put(ctx, v1); err != nil {
		t.Fatal(err)
	}
	fresh := v1
	fresh.Credential = "fresh-credential~"
	fresh.ReceivedAt = time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
	if err := s.Put(ctx, fresh); err != nil {
		t.Fatalf("Put the same version with a re-issued credential: %v", err)
	}
	got, err := s.Record(ctx, v1.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := v1
	want.Credential = fresh.Credential // ReceivedAt stays the first one
	sameRecord(t, got, want)

	// Other content with a new credential is still another record.
	edited := fresh
	edited.Credential = "third~"
	edited.Claims = sample.Record(typ, 5).Claims
	if err := s.Put(ctx, edited); !errors.Is(err, wallet.ErrInvalid) {
		t.Errorf("same version, other claims and credential = %v; want ErrInvalid", err)
	}
	noCred := fresh
	noCred.Credential = ""
	if err := s.Put(ctx, noCred); !errors.Is(err, wallet.ErrInvalid) {
		t.Errorf("same version without a credential = %v; want ErrInvalid", err)
	}
	// A batch that replaces a credential and fails elsewhere changes nothing.
	third := fresh
	third.Credential = "third~"
	bad := sample.Record(typ, 6)
	bad.ID = ""
	if err := s.Apply(ctx, wallet.Batch{Records: []wallet.Record{third, bad}}); err == nil {
		t.Fatal("a batch with an invalid record was stored")
	}
	s = reopen(t, s, r)
	got, err = s.Record(ctx, v1.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameRecord(t, got, want)
	// The credential of an older (superseded) version is kept as it was:
	// only versions equal in content may change credential.
	v2 := v1
	v2.Version = 2
	v2.Credential = "v2~"
	v2.ReceivedAt = time.Time{}
	if err := s.Put(ctx, v2); err != nil {
		t.Fatal(err)
	}
	if h, err := s.History(ctx, v1.ID); err != nil || len(h) != 2 {
		t.Fatalf("history: %v %v", h, err)
	}
}
