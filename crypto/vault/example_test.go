package vault_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/crypto/vault"
)

func ExampleNewHeader() {
	master, err := vault.NewKey()
	if err != nil {
		panic(err)
	}
	// Real profiles use kdf.Default; kdf.Test() keeps the example fast.
	h, err := vault.NewHeader([]byte("123456"), kdf.Test(), master)
	if err != nil {
		panic(err)
	}
	stored, err := h.MarshalBinary()
	if err != nil {
		panic(err)
	}
	fmt.Println("header bytes:", len(stored))

	// Later: read the header back and unlock.
	h, err = vault.ParseHeader(stored)
	if err != nil {
		panic(err)
	}
	_, err = h.Unwrap([]byte("000000"))
	fmt.Println("wrong PIN:", errors.Is(err, vault.ErrWrongKey))
	unlocked, err := h.Unwrap([]byte("123456"))
	if err != nil {
		panic(err)
	}
	fmt.Println("same master key:", string(unlocked.Subkey("badger")) == string(master.Subkey("badger")))

	// A damaged key part is not a wrong PIN.
	stored[60] ^= 1
	_, err = vault.ParseHeader(stored)
	fmt.Println("corrupt:", errors.Is(err, vault.ErrCorruptHeader))
	// Output:
	// header bytes: 180
	// wrong PIN: true
	// same master key: true
	// corrupt: true
}

func ExampleHeader_Rewrap() {
	master, _ := vault.NewKey()
	h, _ := vault.NewHeader([]byte("111111"), kdf.Test(), master)
	if err := h.Rewrap(master, []byte("222222"), kdf.Test()); err != nil {
		panic(err)
	}
	_, err := h.Unwrap([]byte("111111"))
	fmt.Println("old PIN:", err)
	k, err := h.Unwrap([]byte("222222"))
	fmt.Println("new PIN:", err, string(k.Subkey("x")) == string(master.Subkey("x")))
	// Output:
	// old PIN: unwrap master key: vault: wrong PIN: the master key does not unwrap
	// new PIN: <nil> true
}

func ExampleKey_Wipe() {
	master, _ := vault.NewKey()
	master.Wipe()
	fmt.Println(master.Wiped(), master.Subkey("seal") == nil)
	_, err := vault.NewSealer(master.Subkey("seal"))
	fmt.Println(err)
	// Output:
	// true true
	// new sealer: key is 0 bytes, want 32
}

func ExampleSealer() {
	master, _ := vault.NewKey()
	s, err := vault.NewSealer(master.Subkey("seal/records"))
	if err != nil {
		panic(err)
	}
	key := []byte("record/01J9ZK/v2") // bind the value to where it is stored
	sealed := s.Seal(key, []byte("Thẻ BHYT: DN4797912345678"))
	fmt.Println("overhead:", len(sealed)-len("Thẻ BHYT: DN4797912345678"))

	pt, err := s.Open(key, sealed)
	fmt.Println(string(pt), err)

	_, err = s.Open([]byte("record/OTHER/v1"), sealed) // swapped between keys
	fmt.Println(errors.Is(err, vault.ErrIntegrity))
	// Output:
	// overhead: 40
	// Thẻ BHYT: DN4797912345678 <nil>
	// true
}

func ExampleDelay() {
	for f := uint32(1); f <= 13; f++ {
		fmt.Print(vault.Delay(f), " ")
	}
	fmt.Println()
	// Output:
	// 0s 0s 0s 0s 30s 1m0s 2m0s 4m0s 8m0s 16m0s 32m0s 1h0m0s 1h0m0s
}

func ExampleThrottle_Wait() {
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	// ParseHeader found the throttle section damaged: it fails closed.
	t := vault.Throttle{Failures: vault.DamagedFailures, Damaged: true}
	fmt.Println(t.Wait(now))
	t.Last = now // the caller stamps it with its clock and saves the header
	fmt.Println(t.Wait(now.Add(10 * time.Second)))
	// Output:
	// 30s
	// 20s
}
