package servertest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"testing"

	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

// testOffices: the directory of offices the province sets reaches the
// trust list served over HTTP (verified as a wallet does), another
// process on the same store after its refresh, and a process started
// later; a refused directory changes nothing.
func testOffices(t *testing.T, f *Fixture) {
	ctx := context.Background()
	other, err := warehouse.Open(warehouse.Config{Store: f.Store, Keys: f.Keys, Refresh: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	offices := []trust.Office{
		{ID: "vn.dongnai.ubnd.tran-bien", Name: trust.Name{VI: "UBND phường Trấn Biên", EN: "Tran Bien Ward People's Committee"}, Kind: trust.KindCommune},
		{ID: "vn.dongnai.ca.tran-bien", Name: trust.Name{VI: "Công an phường Trấn Biên", EN: "Tran Bien Ward Police"}, Kind: trust.KindCommunePolice},
		{ID: f.Agency(), Name: trust.Name{VI: "Cơ sở y tế (mẫu)"}, Kind: trust.KindHealthFacility}, // an issuer is an office too
	}
	before := f.servedList(t)
	if err := f.Srv.SetOffices(ctx, offices); err != nil {
		t.Fatal(err)
	}
	l := f.servedList(t)
	if l.Version != before.Version+1 || !reflect.DeepEqual(l.Offices, offices) {
		t.Fatalf("served list: version %d→%d, offices %+v", before.Version, l.Version, l.Offices)
	}
	if n, ok := l.Name("vn.dongnai.ubnd.tran-bien"); !ok || n.VI != "UBND phường Trấn Biên" {
		t.Errorf("Name: %+v %v", n, ok)
	}
	ol, err := trust.Verify(other.TrustList(), other.RootKey())
	if err != nil || ol.Version != l.Version || !reflect.DeepEqual(ol.Offices, offices) {
		t.Fatalf("the other process serves %+v (%v)", ol, err)
	}
	bad := append([]trust.Office{}, offices...)
	bad = append(bad, offices[0])
	if err := f.Srv.SetOffices(ctx, bad); err == nil {
		t.Fatal("a directory with a duplicate id was accepted")
	}
	if l2 := f.servedList(t); l2.Version != l.Version || !reflect.DeepEqual(l2.Offices, offices) {
		t.Errorf("a refused directory changed the list: version %d→%d", l.Version, l2.Version)
	}
	later, err := warehouse.Open(warehouse.Config{Store: f.Store, Keys: f.Keys})
	if err != nil {
		t.Fatal(err)
	}
	defer later.Close()
	if !reflect.DeepEqual(later.Offices(), offices) {
		t.Errorf("a process started later: %+v", later.Offices())
	}
}

// servedList fetches the trust list from the wallet protocol and verifies
// it with the root key.
func (f *Fixture) servedList(t *testing.T) *trust.List {
	t.Helper()
	resp, err := http.Get(f.TS.URL + protocol.PathTrustList)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var tl protocol.TrustListResponse
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &tl) != nil {
		t.Fatalf("trust list: %d %s", resp.StatusCode, b)
	}
	l, err := trust.Verify(tl.TrustList, f.Srv.RootKey())
	if err != nil {
		t.Fatal(err)
	}
	return l
}
