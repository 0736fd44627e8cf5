package wallet

// SyncProgress is how far a sync has come. Totals are estimates the
// warehouse gives with each page; they can grow while a sync runs (a
// record issued meanwhile) and are zero until the first page arrives.
type SyncProgress struct {
	RecordsDone  int   // record versions received and stored
	RecordsTotal int   // done + what the warehouse says remains
	BytesDone    int64 // credential bytes received
	BytesTotal   int64 // done + the warehouse's estimate of what remains
	Rejected     int   // record versions refused by verification
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
