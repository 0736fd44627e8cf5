// Command citizenwallet is the citizen data wallet app (Fyne). It only
// wires things together: the profile's place in the app's storage, the
// translations, the warehouse it syncs with, and the window.
//
// -counter AGENCY runs the one-stop counter (verifier) instead of the
// citizen wallet, with its own storage, against the warehouse the
// citizens' wallets use (-warehouse, -root-key). With no warehouse flags it starts an embedded reference
// warehouse with a demo province on a loopback port (data in the app's
// storage), so the app works on a fresh machine; -root-key and -warehouse
// point it at a real one instead (the address can then also come from
// Settings, which checks it against the root key).
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"

	fyneapp "fyne.io/fyne/v2/app"

	"github.com/vnwallet/citizenwallet/app"
	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/assets"
	"github.com/vnwallet/citizenwallet/cmd/internal/devtls"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
)

func main() {
	whURL := flag.String("warehouse", "", "warehouse address (default: the one set in Settings, or with no -root-key an embedded demo warehouse)")
	rootKey := flag.String("root-key", "", "the province root key (JWK file) of -warehouse")
	citizens := flag.Int("demo-citizens", 1000, "citizens of the embedded demo province")
	counter := flag.String("counter", "", "run as a one-stop counter (verifier) of this agency id, e.g. vn.dongnai.ubnd-tamhiep")
	counterID := flag.String("counter-id", "", "this counter's id (reported to citizens for online tokens)")
	statusCA := flag.String("status-ca", "", "with -counter: fetch the agencies' status lists trusting this certificate (PEM) alone, the self-signed one of a warehouse run on this machine (make warehouse: bin/warehouse/tls/cert.pem)")
	flag.Parse()

	id := "vn.gov.citizenwallet"
	if *counter != "" {
		// The counter verifies tokens from citizens' wallets, so it must
		// trust the warehouse they use: an embedded demo warehouse of its
		// own would have another root key.
		if *rootKey == "" {
			log.Fatal("-counter needs the warehouse the citizens' wallets use: -warehouse URL -root-key FILE " +
				"(to try it: make warehouse, then make counter and make run-shared)")
		}
		id = "vn.gov.citizenwallet.counter" // its own storage: caches, replay list, log
	}
	a := fyneapp.NewWithID(id)
	if *counter != "" {
		a.SetIcon(assets.CounterIcon)
	} else {
		a.SetIcon(assets.AppIcon)
	}
	if err := assets.UseLanguage(app.Language(a)); err != nil {
		log.Printf("translations: %v", err)
	}
	// The app's private storage (Fyne's storage API works on every platform,
	// phones included); each profile has its own folder under profiles/.
	root := a.Storage().RootURI().Path()
	w := viewmodel.NewWallet(filepath.Join(root, "profiles"), badgerstore.Options{})

	if *whURL != "" && *rootKey == "" {
		log.Fatal("-warehouse needs -root-key, the province root key that signs its trust list")
	}
	var wh viewmodel.Warehouse
	if *rootKey != "" {
		if *whURL == "" {
			*whURL = a.Preferences().String(app.PrefWarehouseAddress)
		}
		if *whURL == "" {
			log.Fatal("-root-key needs -warehouse (or an address set in Settings)")
		}
		b, err := os.ReadFile(*rootKey)
		if err != nil {
			log.Fatalf("-root-key: %v", err)
		}
		k, err := keys.ParsePublicJWK(b)
		if err != nil {
			log.Fatalf("-root-key: %v", err)
		}
		wh = viewmodel.Warehouse{BaseURL: *whURL, RootKey: k}
	} else {
		demoWH, stop, err := startDemoWarehouse(filepath.Join(root, "demo-warehouse"), *citizens)
		if err != nil {
			log.Fatalf("demo warehouse: %v", err)
		}
		defer stop()
		wh = demoWH
	}
	if *counter != "" {
		cfg := viewmodel.CounterConfig{BaseURL: wh.BaseURL, RootKey: wh.RootKey, Agency: *counter, CounterID: *counterID,
			Dir: filepath.Join(root, "counter")}
		if *statusCA != "" {
			tr, err := devtls.Transport(*statusCA)
			if err != nil {
				log.Fatalf("-status-ca: %v", err)
			}
			cfg.StatusTransport = tr
		}
		c, err := viewmodel.NewCounter(cfg)
		if err != nil {
			log.Fatalf("counter: %v", err)
		}
		defer c.Close()
		ui := app.NewCounter(a, c)
		stop := make(chan struct{})
		defer close(stop)
		ui.StartTicker(stop)
		ui.Window.ShowAndRun()
		return
	}
	w.SetWarehouse(wh)
	ui := app.New(a, w)
	stop := make(chan struct{})
	ui.StartIdleTimer(stop)
	ui.Window.ShowAndRun()
	close(stop)
}
