package main

import (
	"context"
	"log"
	"net"
	"net/http"
	"path/filepath"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/demo"
	"github.com/vnwallet/citizenwallet/sync/warehouse/embedded"
	"github.com/vnwallet/citizenwallet/wallet"
)

// demoSeed fixes the demo province, so its citizens stay the same
// between runs (the warehouse data dir is reused).
const demoSeed = 1

// startDemoWarehouse serves the reference warehouse with a demo province,
// kept in dir (an embedded store and its key directory; loaded on the
// first start), on a loopback port chosen by the system.
func startDemoWarehouse(dir string, citizens int) (viewmodel.Warehouse, func(), error) {
	prov, err := demo.New(citizens, demoSeed)
	if err != nil {
		return viewmodel.Warehouse{}, nil, err
	}
	st, err := embedded.Open(filepath.Join(dir, "db"))
	if err != nil {
		return viewmodel.Warehouse{}, nil, err
	}
	srv, err := warehouse.Open(warehouse.Config{Store: st, Keys: warehouse.FileKeys(filepath.Join(dir, "keys")), Province: prov.Province()})
	if err == nil {
		// Every agency signs with ES256 (LoadOptions' default), as the
		// HAIP profile requires.
		err = srv.Load(context.Background(), prov, warehouse.LoadOptions{})
	}
	if err != nil {
		st.Close()
		return viewmodel.Warehouse{}, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		st.Close()
		return viewmodel.Warehouse{}, nil, err
	}
	hs := &http.Server{Handler: srv.Handler()}
	go func() {
		if err := hs.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("demo warehouse: %v", err)
		}
	}()
	first := prov.Profile(0)
	log.Printf("demo warehouse on http://%s (%d citizens); demo citizen %s %s", ln.Addr(), citizens, first.CitizenID, first.FullName)
	stop := func() {
		hs.Close()
		srv.Close()
		st.Close()
	}
	return viewmodel.Warehouse{BaseURL: "http://" + ln.Addr().String(), RootKey: srv.RootKey(), DemoCode: srv.EnrolmentCode, DemoCitizen: func(i int) (wallet.Profile, bool) {
		if i >= citizens {
			return wallet.Profile{}, false
		}
		return prov.Profile(i), true
	}}, stop, nil
}
