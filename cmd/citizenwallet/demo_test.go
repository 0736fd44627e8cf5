package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/embedded"
)

// TestOpenDemoStore: the app's demo warehouse keeps its store while the
// demo is the same, and moves a store of another demo aside (one filled
// before the store named its demo included) rather than serving records
// the registry no longer takes.
func TestOpenDemoStore(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "db")
	st, err := openDemoStore(dir, "demo-a")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutAgency(ctx, warehouse.AgencyInfo{ID: "vn.a"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = openDemoStore(dir, "demo-a")
	if err != nil {
		t.Fatal(err)
	}
	if as, _ := st.Agencies(ctx); len(as) != 1 {
		t.Fatalf("the same demo lost its store: %v", as)
	}
	st.Close()
	st, err = openDemoStore(dir, "demo-b")
	if err != nil {
		t.Fatal(err)
	}
	if as, _ := st.Agencies(ctx); len(as) != 0 {
		t.Errorf("another demo kept the old store: %v", as)
	}
	if _, err := os.Stat(dir + ".demo-a"); err != nil {
		t.Errorf("the old store was not kept aside: %v", err)
	}
	st.Close()
	// A store with data and no record of its demo (an app before it kept
	// one): moved aside too.
	old := filepath.Join(t.TempDir(), "db")
	st, err = embedded.Open(old)
	if err != nil {
		t.Fatal(err)
	}
	st.PutAgency(ctx, warehouse.AgencyInfo{ID: "vn.b"})
	st.Close()
	st, err = openDemoStore(old, "demo-b")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if as, _ := st.Agencies(ctx); len(as) != 0 {
		t.Errorf("a store of an unrecorded demo was kept: %v", as)
	}
	if _, err := os.Stat(old + ".older"); err != nil {
		t.Errorf("the unrecorded store was not kept aside: %v", err)
	}
}
