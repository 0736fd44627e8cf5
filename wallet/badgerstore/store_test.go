package badgerstore_test

import (
	"testing"

	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
	"github.com/vnwallet/citizenwallet/wallet/storetest"
)

var testOptions = badgerstore.Options{KDF: kdf.Test()}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Factory{
		Create: func(t *testing.T, p wallet.Profile, pin []byte) (wallet.Store, storetest.Reopen) {
			dir := t.TempDir()
			s, err := badgerstore.Create(dir, pin, p, testOptions)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			return s, func(pin []byte) (wallet.Store, error) {
				s, err := badgerstore.Open(dir, pin, testOptions)
				if err != nil {
					return nil, err // not a typed nil inside the interface
				}
				return s, nil
			}
		},
	})
}
