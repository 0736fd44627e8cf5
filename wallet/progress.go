package wallet

// SyncProgress is how far a sync has come, reported after every stored
// page.
//
// Two kinds of things are counted, and they must not be confused:
//
//   - Records are the citizen's records: distinct record IDs, as the
//     wallet lists them. A record corrected twice and then withdrawn is
//     one record. Show these to the citizen ("đã nhận 18 hồ sơ").
//   - Entries are the change feed's entries: one per record version
//     (a new record, a correction, a withdrawal's tombstone). The
//     warehouse says how many entries remain after each page, not how
//     many records they hold, so entries give the bar its fraction
//     (Fraction) and are never a count to show.
//
// The number of records a sync will bring is not known before it ends:
// there is no record total. A UI shows the bar from Fraction and the text
// from Records; before the first page (or when Fraction says it does not
// know) it shows a spinner and "đang kết nối" rather than 0 %.
//
// Records counts only what this sync received and stored, compared with
// what the wallet held when the sync began; a sync resumed after a cut
// counts from where it resumed. New, Updated, Withdrawn and Unchanged
// split Records: each received record is in exactly one of them.
type SyncProgress struct {
	// Records is how many of the citizen's records (distinct IDs) this
	// sync has received and stored so far.
	Records int
	// New: received records the wallet did not hold before this sync
	// (and not withdrawn now).
	New int
	// Updated: records the wallet held before this sync that now have a
	// newer version (a correction), not a withdrawal.
	Updated int
	// Withdrawn: records whose latest version is now a withdrawal by the
	// issuer and was not before this sync (including records first
	// received already withdrawn).
	Withdrawn int
	// Unchanged: received records whose versions the wallet already held
	// (a page fetched again); nothing changed for the citizen.
	Unchanged int

	// EntriesDone is how many feed entries (record versions, tombstones
	// included) this sync has received, stored or rejected.
	EntriesDone int
	// EntriesTotal is EntriesDone plus the entries the warehouse says
	// remain after the last page: exact when that page was read, growing
	// if records are issued meanwhile; zero before the first page.
	EntriesTotal int

	BytesDone  int64 // credential bytes received
	BytesTotal int64 // done + the warehouse's estimate of what remains
	// Rejected is how many feed entries (record versions) failed
	// verification and were not stored.
	Rejected int
	// Pages is how many pages this sync has stored; 0 before the first.
	Pages int
}

// Fraction is the share of the feed received, from 0 to 1, for a
// progress bar; ok is false when it is not known yet (no page so far).
// A feed with nothing new is complete: 1.
func (p SyncProgress) Fraction() (f float64, ok bool) {
	if p.Pages == 0 {
		return 0, false
	}
	if p.EntriesTotal <= 0 {
		return 1, true
	}
	return min(1, float64(p.EntriesDone)/float64(p.EntriesTotal)), true
}

// Progress receives sync progress. The domain declares it and the UI
// implements it (adapting to data binding inside fyne.Do); sync calls it
// from its own goroutine after every stored page, so an implementation
// must return quickly.
type Progress interface {
	SyncProgress(SyncProgress)
}

// ProgressFunc adapts a function to Progress.
type ProgressFunc func(SyncProgress)

// SyncProgress calls f(p).
func (f ProgressFunc) SyncProgress(p SyncProgress) { f(p) }
