package share_test

import (
	"context"
	"errors"
	"fmt"
	"image"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/image/draw"

	"github.com/vnwallet/citizenwallet/assets"
	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/crypto/qrtext"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/demo"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
	"github.com/vnwallet/citizenwallet/wallet/share"
)

var ctx = context.Background()

// citizenFor finds a demo citizen holding every required field of p.
func citizenFor(prov demo.Province, p wallet.Procedure) (int, bool) {
	for i := 0; i < prov.Citizens(); i++ {
		_, recs := prov.Citizen(i)
		pr := wallet.Propose(p, recs)
		if len(pr.Lacking()) == 0 {
			return i, true
		}
	}
	return 0, false
}

// For every procedure of the catalogue: a demo citizen enrolled and
// synced with a real warehouse shares the proposed minimum; the QR parts
// are rendered to images, read back (one procedure's from blurred,
// scaled images) and verified by a counter offline against the trust
// list: exactly the selected fields, with their values and agencies.
func TestEveryProcedureEndToEnd(t *testing.T) {
	cat, err := assets.Procedures()
	if err != nil {
		t.Fatal(err)
	}
	prov, _ := demo.New(300, 7)
	srv, ts := warehousetest.Start(t, warehouse.Config{Source: prov, Seed: prov.Seed})
	now := time.Now()
	for n, p := range cat.Procedures() {
		i, ok := citizenFor(prov, p)
		if !ok {
			t.Errorf("%s: no demo citizen among %d holds every required field", p.Code, prov.Citizens())
			continue
		}
		prof, _ := prov.Citizen(i)
		st, err := badgerstore.Create(filepath.Join(t.TempDir(), "w"), []byte("246810"), prof, badgerstore.Options{KDF: kdf.Test()})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := client.New(client.Config{BaseURL: ts.URL, RootKey: srv.RootKey()})
		code, _ := srv.EnrolmentCode(prof.CitizenID)
		if _, err := c.Enrol(ctx, st, code, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Sync(ctx, st, nil); err != nil {
			t.Fatal(err)
		}
		recs, _ := st.Records(ctx, wallet.Query{})
		pr := wallet.Propose(p, recs)
		dev, _ := client.DeviceKey(ctx, st)
		h, _ := wallet.OpenConsentHistory(ctx, st)
		counterAgency := "vn.dongnai.counter-" + fmt.Sprint(n)
		sh, err := share.Share(ctx, st, h, dev, share.Request{Proposal: pr, Recipient: wallet.Recipient{Agency: counterAgency, CounterID: "q1"},
			Method: "test: confirmed", Now: now, SingleUse: true})
		if err != nil {
			t.Fatalf("%s: %v", p.Code, err)
		}
		// The counter reads the QR images.
		var read []string
		for _, part := range sh.Parts {
			img, err := qrtext.Render(part, 'M', 4)
			if err != nil {
				t.Fatal(err)
			}
			var im image.Image = img
			if n == 0 {
				im = scaleBlur(img, 1.37)
			}
			text, err := qrtext.ReadImage(im)
			if err != nil {
				text, err = qrtext.ReadImage(scaleBlur(img, 1.45)) // shot again
			}
			if err != nil {
				t.Fatalf("%s: read QR: %v", p.Code, err)
			}
			read = append(read, text)
		}
		tl, _ := st.Meta(ctx, client.MetaTrustList)
		list, err := trust.Verify(string(tl), srv.RootKey())
		if err != nil {
			t.Fatal(err)
		}
		v := &consent.Verifier{Trust: list, Audience: counterAgency, Replay: memReplay{}, Now: func() time.Time { return now.Add(time.Minute) }}
		res, err := v.VerifyParts(read)
		if err != nil {
			t.Fatalf("%s: verify: %v", p.Code, err)
		}
		want := map[string]any{}
		for _, f := range pr.Selected() {
			r, _ := st.Record(ctx, f.RecordID)
			want[f.RecordID+"/"+f.Claim] = r.Claims[f.Claim]
		}
		if len(res.Fields) != len(want) {
			t.Errorf("%s: %d fields verified, %d selected", p.Code, len(res.Fields), len(want))
		}
		for _, f := range res.Fields {
			w, ok := want[f.RecordID+"/"+f.Claim]
			if !ok || fmt.Sprint(w) != fmt.Sprint(f.Value) || f.IssuerName.VI == "" {
				t.Errorf("%s: field %s/%s = %v from %s; want %v", p.Code, f.RecordID, f.Claim, f.Value, f.Issuer, w)
			}
		}
		if res.Procedure != p.Code || res.Purpose != p.Purpose.Code || res.ID != sh.Consent.ID || !res.SingleUse {
			t.Errorf("%s: result %+v", p.Code, res)
		}
		all, _ := h.List(ctx, now)
		if len(all) != 1 || all[0].State != wallet.ConsentActive || len(all[0].Consent.Fields) != len(want) {
			t.Errorf("%s: history %+v", p.Code, all)
		}
		maxV := 0
		for _, part := range sh.Parts {
			v, _ := qrtext.Version(part, 'M')
			maxV = max(maxV, v)
		}
		records := map[string]bool{}
		for _, f := range pr.Selected() {
			records[f.RecordID] = true
		}
		t.Logf("%-36s %2d fields from %d records: %5d bytes, %d QR (version ≤ %d)", p.Code, len(want), len(records), len(sh.Token), len(sh.Parts), maxV)
		st.Close()
	}
}

func TestShareRefuses(t *testing.T) {
	cat, _ := assets.Procedures()
	p, _ := cat.Lookup("civil.birth_registration")
	dir := filepath.Join(t.TempDir(), "w")
	prov, _ := demo.New(10, 1)
	prof, recs := prov.Citizen(0)
	st, err := badgerstore.Create(dir, []byte("246810"), prof, badgerstore.Options{KDF: kdf.Test()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Records imported without a signature cannot be shared.
	if err := st.Apply(ctx, wallet.Batch{Records: recs[:1]}); err != nil {
		t.Fatal(err)
	}
	stored, _ := st.Records(ctx, wallet.Query{})
	pr := wallet.Propose(p, stored)
	h, _ := wallet.OpenConsentHistory(ctx, st)
	req := share.Request{Proposal: pr, Recipient: wallet.Recipient{Agency: "vn.x"}, Method: "test", Now: time.Now()}
	if _, err := share.Share(ctx, st, h, nil, req); !errors.Is(err, share.ErrUnsigned) {
		t.Errorf("unsigned record: %v", err)
	}
	req.Method = ""
	if _, err := share.Share(ctx, st, h, nil, req); !errors.Is(err, wallet.ErrInvalid) {
		t.Errorf("without confirmation: %v", err)
	}
	if all, _ := h.List(ctx, time.Now()); len(all) != 0 {
		t.Errorf("a refused share was recorded: %+v", all)
	}
}

type memReplay map[string]bool

func (m memReplay) Use(id string, _ time.Time) (bool, error) {
	if m[id] {
		return false, nil
	}
	m[id] = true
	return true, nil
}

func scaleBlur(src image.Image, f float64) image.Image {
	b := src.Bounds()
	dst := image.NewGray(image.Rect(0, 0, int(float64(b.Dx())*f), int(float64(b.Dy())*f)))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Src, nil) // smooth: a soft edge, like a blur
	return dst
}
