// Package wallet is the domain of the citizen data wallet: profiles,
// records and their versions, the record-type registry, and the Store
// contract that every encrypted store implementation satisfies.
//
// It holds no storage, network or UI code: wallet/badgerstore implements
// Store on an encrypted badger database, and wallet/storetest is the
// conformance suite every implementation runs.
package wallet
