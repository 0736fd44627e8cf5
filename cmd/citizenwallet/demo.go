package main

import (
	"log"
	"net"
	"net/http"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/demo"
	"github.com/vnwallet/citizenwallet/wallet"
)

// demoSeed fixes the demo province, so its citizens stay the same
// between runs (the warehouse data dir is reused).
const demoSeed = 1

// startDemoWarehouse serves the reference warehouse with a demo province,
// kept in dir, on a loopback port chosen by the system.
func startDemoWarehouse(dir string, citizens int) (viewmodel.Warehouse, func(), error) {
	prov, err := demo.New(citizens, demoSeed)
	if err != nil {
		return viewmodel.Warehouse{}, nil, err
	}
	srv, err := warehouse.Open(warehouse.Config{Dir: dir, Source: prov, Seed: demoSeed})
	if err != nil {
		return viewmodel.Warehouse{}, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
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
	}
	return viewmodel.Warehouse{BaseURL: "http://" + ln.Addr().String(), RootKey: srv.RootKey(), DemoCode: srv.EnrolmentCode, DemoCitizen: func(i int) (wallet.Profile, bool) {
		if i >= citizens {
			return wallet.Profile{}, false
		}
		return prov.Profile(i), true
	}}, stop, nil
}
