package main

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/demo"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
)

// TestVerifyStatusCA: against a warehouse that publishes status lists
// over https, verify --status-ca (the warehouse's certificate) checks
// every record's withdrawal and says how old each list is; without it
// the lists cannot be fetched, and the verdict warns.
func TestVerifyStatusCA(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	prov, _ := demo.New(20, 3)
	srv, ts, tlsTS := warehousetest.StartPublic(t, warehouse.Config{}, prov)

	ca := filepath.Join(t.TempDir(), "cert.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsTS.Certificate().Raw}), 0o644)
	p, _ := prov.Citizen(0)
	rootFile, ctl := demoProfile(t, srv, p)
	code, _ := srv.EnrolmentCode(p.CitizenID)
	ctl("enrol", "--warehouse", ts.URL, "--root-key", rootFile, "--code", code).want(t, exitOK)
	ctl("sync").want(t, exitOK)
	if _, err := srv.PublishStatusLists(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	share := func() []string {
		qr := filepath.Join(t.TempDir(), "qr")
		ctl("share", "--procedure", "health.insured_treatment", "--to", "vn.dongnai.bvdk-dongnai", "--qr-dir", qr, "--yes").want(t, exitOK)
		images, _ := filepath.Glob(filepath.Join(qr, "*.png"))
		args := []string{"verify", "--root-key", rootFile, "--warehouse", ts.URL, "--audience", "vn.dongnai.bvdk-dongnai"}
		for _, img := range images {
			args = append(args, "--image", img)
		}
		return args
	}

	r := walletctl(t, "", append(share(), "--status-ca", ca)...)
	r.want(t, exitOK)
	if strings.Count(r.stdout, "withdrawal: record ") != 2 || strings.Contains(r.stdout, "WARNING") {
		t.Errorf("verify with the warehouse's certificate:\n%s", r.stdout)
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // a counter without lists
	r = walletctl(t, "", share()...)
	r.want(t, exitOK)
	if !strings.Contains(r.stdout, "could not check whether vn.bhxh.dongnai withdrew record 1") {
		t.Errorf("verify without the certificate:\n%s", r.stdout)
	}
	r = walletctl(t, "", append(share(), "--status-ca", rootFile)...)
	r.want(t, exitUsage)
	if !strings.Contains(r.stderr, "--status-ca") {
		t.Errorf("--status-ca of a file without a certificate: %s", r.stderr)
	}
}
