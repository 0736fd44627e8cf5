package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

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
	st, err := openDemoStore(filepath.Join(dir, "db"), fmt.Sprintf("%s seed %d citizens %d", demo.Generator, demoSeed, citizens))
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

// metaDemo names the store's record of the demo it holds (as `warehouse
// serve` keeps it).
const metaDemo = "demo"

// openDemoStore opens the demo warehouse's store in dir for the demo
// want names. A store filled by another demo (an older generator, whose
// records the registry no longer takes, or another size) is moved aside
// to dir.<its demo>, and a new one is made: its keys, and so the root key
// the app's profiles trust, stay, but a profile must enrol again, as the
// log says.
func openDemoStore(dir, want string) (*embedded.Store, error) {
	st, err := embedded.Open(dir)
	if err != nil {
		return nil, err
	}
	have, err := st.Meta(context.Background(), metaDemo)
	if errors.Is(err, warehouse.ErrNotFound) {
		// No record of its demo: new, or filled before the app kept one.
		if as, aerr := st.Agencies(context.Background()); aerr != nil || len(as) > 0 {
			have, err = []byte("older"), aerr
		}
	}
	switch {
	case errors.Is(err, warehouse.ErrNotFound):
	case err != nil:
		st.Close()
		return nil, err
	case string(have) == want:
		return st, nil
	default:
		st.Close()
		aside := dir + "." + strings.NewReplacer(" ", "-", "/", "-").Replace(string(have))
		if err := os.RemoveAll(aside); err != nil {
			return nil, err
		}
		if err := os.Rename(dir, aside); err != nil {
			return nil, err
		}
		log.Printf("demo warehouse: the data of the demo %q is in %s; a new %q is made: enrol the app's profiles again", have, aside, want)
		if st, err = embedded.Open(dir); err != nil {
			return nil, err
		}
	}
	if err := st.PutMeta(context.Background(), metaDemo, []byte(want)); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}
