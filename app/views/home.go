package views

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Home lists the record domains with their counts, and syncs.
type Home struct {
	Title   *widget.Label
	Domains *widget.List
	Error   *widget.Label
	Rows    []viewmodel.DomainRow
	// Sync controls: the status line (last sync, result or what went
	// wrong), the progress bar while syncing, and the button.
	Status   *widget.Label
	Progress *widget.ProgressBar
	Sync     *widget.Button
	// While the network is waited on (enrolment, a sync before its first
	// page): Busy moves, Cancel stops it. Done is closed when the last
	// enrolment or sync ended (tests wait on it).
	Busy   *widget.ProgressBarInfinite
	Cancel *widget.Button
	Done   chan struct{}
	cancel context.CancelFunc
	// Enrolment, shown until the device is enrolled.
	Code  *widget.Entry
	Enrol *widget.Button
	// CodeSource says where a citizen gets an enrolment code.
	CodeSource *widget.Label
	DemoEnrol  *widget.Button
	enrolBox   *fyne.Container
	// OnSynced, if set, runs on the UI goroutine after each sync ends.
	OnSynced func()
	// ShareButton opens the share screen through OnShare (enabled once
	// the phone is enrolled).
	ShareButton *widget.Button
	OnShare     func()
	// HistoryButton opens the sharing history through OnHistory.
	HistoryButton *widget.Button
	OnHistory     func()
	// SettingsButton opens the settings through OnSettings.
	SettingsButton *widget.Button
	OnSettings     func()
	Root           fyne.CanvasObject
}

// NewHome builds the home screen. onDomain opens a domain; onLock locks.
func NewHome(w *viewmodel.Wallet, onDomain func(wallet.Domain), onLock func()) *Home {
	h := &Home{Title: widget.NewLabel(""), Error: widget.NewLabel(""), Status: widget.NewLabel(""), Progress: widget.NewProgressBar(), Code: widget.NewEntry()}
	h.Error.Wrapping = fyne.TextWrapWord
	h.Error.Importance = widget.DangerImportance
	h.Status.Wrapping = fyne.TextWrapWord
	h.Progress.Hide()
	h.Busy = widget.NewProgressBarInfinite()
	h.Busy.Hide()
	h.Busy.Stop()
	h.Cancel = newButton(lang.L("Cancel"), func() {
		if h.cancel != nil {
			h.cancel()
		}
	})
	h.Cancel.Hide()
	if p, err := w.Profile(); err == nil {
		h.Title.SetText(p.FullName)
		if cur := w.Current(); cur.Relation != "" && cur.Relation != viewmodel.RelationSelf {
			h.Title.SetText(fmt.Sprintf("%s (%s)", p.FullName, viewmodel.RelationText(cur.Relation)))
		}
	}
	h.Title.Wrapping = fyne.TextWrapWord
	h.Title.TextStyle = fyne.TextStyle{Bold: true}
	h.refresh(w)
	h.Domains = widget.NewList(
		func() int { return len(h.Rows) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			r := h.Rows[i]
			o.(*widget.Label).SetText(fmt.Sprintf("%s (%d)", r.Label, r.Count))
		},
	)
	h.Domains.OnSelected = func(i widget.ListItemID) {
		h.Domains.UnselectAll()
		onDomain(h.Rows[i].Domain)
	}

	h.Sync = newButton(lang.L("Sync"), func() { h.runSync(w) })
	h.Sync.Importance = widget.HighImportance
	h.Code.SetPlaceHolder("XXXXX-XXXXX") // the enrolment code's format
	h.Enrol = newButton(lang.L("Enrol this phone"), func() {
		code := h.Code.Text
		h.enrol(w, func(ctx context.Context) error { return w.EnrolContext(ctx, code) })
	})
	h.DemoEnrol = newButton(lang.L("Use a demo code"), func() { h.enrol(w, w.DemoEnrolContext) })
	// Where the code comes from, said plainly: a citizen alone at home
	// must know where to go for it (DESIGN.md, "Enrol").
	h.CodeSource = widget.NewLabel(lang.L("Where to get the code: if you have a level-2 VNeID account, sign in to VNeID and get it there. If not, take your ID card to the commune or ward People's Committee, or ask the commune digital technology team: they print the code for you. Each code works once."))
	h.CodeSource.Wrapping = fyne.TextWrapWord
	h.CodeSource.Importance = widget.LowImportance
	codeName := widget.NewLabelWithStyle(lang.L("Enrolment code (from VNeID or the commune office)"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	codeName.Wrapping = fyne.TextWrapWord
	enrolItems := []fyne.CanvasObject{codeName, h.CodeSource, h.Code, h.Enrol}
	if w.Demo() {
		enrolItems = append(enrolItems, h.DemoEnrol)
	}
	h.enrolBox = container.NewVBox(enrolItems...)
	if w.Enrolled() {
		h.enrolBox.Hide()
		h.Status.SetText(w.LastSync())
	} else {
		h.Sync.Disable()
		h.Status.SetText(lang.L("Enrol this phone with the provincial data warehouse to receive your records."))
	}

	h.ShareButton = newButton(lang.L("Share"), func() {
		if h.OnShare != nil {
			h.OnShare()
		}
	})
	if !w.Enrolled() {
		h.ShareButton.Disable()
	}
	h.HistoryButton = newButton(lang.L("Sharing history"), func() {
		if h.OnHistory != nil {
			h.OnHistory()
		}
	})
	lock := newButton(lang.L("Lock"), onLock)
	h.SettingsButton = newButton(lang.L("Settings"), func() {
		if h.OnSettings != nil {
			h.OnSettings()
		}
	})
	top := container.NewBorder(nil, nil, nil, container.NewHBox(h.SettingsButton, lock), h.Title)
	syncBar := container.NewVBox(h.enrolBox, h.Status, h.Busy, h.Progress, h.Cancel, container.NewGridWithColumns(2, h.Sync, h.ShareButton), h.HistoryButton)
	h.Root = container.NewBorder(container.NewVBox(top, syncBar, h.Error), nil, nil, nil, h.Domains)
	return h
}

func (h *Home) refresh(w *viewmodel.Wallet) {
	rows, err := w.Domains()
	if err != nil {
		h.Error.SetText(viewmodel.ErrorText(err))
		h.Error.Show()
		return
	}
	h.Error.SetText("")
	h.Error.Hide()
	h.Rows = rows
	if h.Domains != nil {
		h.Domains.Refresh()
	}
}

// waiting shows that the network is being waited on, with Cancel; it
// returns the context the work runs under and a func to call on the UI
// goroutine when it ends, which returns the func that closes Done (the
// last thing the ending does).
func (h *Home) waiting(status string) (context.Context, func() func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	h.cancel, h.Done = cancel, done
	h.Status.SetText(status)
	h.Busy.Show()
	h.Busy.Start()
	h.Cancel.Show()
	h.Root.Refresh()
	return ctx, func() func() {
		cancel()
		h.cancel = nil
		h.Busy.Stop()
		h.Busy.Hide()
		h.Cancel.Hide()
		h.Root.Refresh()
		return func() { close(done) }
	}
}

// enrol runs an enrolment off the UI goroutine: the screen stays
// responsive on a slow link, and Cancel stops it.
func (h *Home) enrol(w *viewmodel.Wallet, run func(context.Context) error) {
	h.Enrol.Disable()
	h.DemoEnrol.Disable()
	ctx, end := h.waiting(lang.L("Enrolling this phone with the provincial data warehouse…"))
	go func() {
		err := run(ctx)
		fyne.Do(func() {
			defer end()()
			h.Enrol.Enable()
			h.DemoEnrol.Enable()
			if err != nil {
				h.Status.SetText(err.Error())
				return
			}
			h.enrolled(w)
		})
	}()
}

func (h *Home) enrolled(w *viewmodel.Wallet) {
	h.enrolBox.Hide()
	h.Sync.Enable()
	h.ShareButton.Enable()
	h.Status.SetText(lang.L("Phone enrolled. Syncing your records…"))
	h.runSync(w)
}

// SyncNow starts a sync as the Sync button does.
func (h *Home) SyncNow(w *viewmodel.Wallet) { h.runSync(w) }

// runSync syncs in the background, updating the bar and the status line
// on the UI goroutine.
func (h *Home) runSync(w *viewmodel.Wallet) {
	h.Sync.Disable()
	h.Progress.SetValue(0)
	ctx, end := h.waiting(lang.L("Syncing…"))
	go func() {
		text, err := w.SyncContext(ctx, func(p viewmodel.SyncProgress) {
			fyne.Do(func() {
				if p.Known {
					h.Busy.Stop()
					h.Busy.Hide()
					h.Progress.Show()
					h.Progress.SetValue(p.Fraction)
				}
				h.Status.SetText(p.Text)
			})
		})
		fyne.Do(func() {
			defer end()()
			h.Progress.Hide()
			h.Sync.Enable()
			if err != nil {
				h.Status.SetText(err.Error())
			} else {
				h.Status.SetText(text + " " + w.LastSync())
				h.refresh(w)
			}
			h.Root.Refresh() // the status line may wrap to another height
			if h.OnSynced != nil {
				h.OnSynced()
			}
		})
	}()
}

// RecordList lists one domain's records.
type RecordList struct {
	Records *widget.List
	Rows    []viewmodel.RecordRow
	Empty   *widget.Label
	Root    fyne.CanvasObject
}

// NewRecordList builds one domain's record list; onBack returns home,
// onRecord opens a record.
func NewRecordList(w *viewmodel.Wallet, d wallet.Domain, onBack func(), onRecord func(id string)) *RecordList {
	l := &RecordList{Empty: widget.NewLabel("")}
	rows, err := w.Records(d)
	switch {
	case err != nil:
		l.Empty.SetText(viewmodel.ErrorText(err))
	case len(rows) == 0:
		l.Empty.SetText(lang.L("No records yet. Sync to fetch them from the province."))
	}
	l.Rows = rows
	l.Records = widget.NewList(
		func() int { return len(l.Rows) },
		func() fyne.CanvasObject {
			warn := needsSyncLabel()
			warn.Hide()
			// Titles and agencies wrap: "Cục Cảnh sát quản lý hành chính
			// về trật tự xã hội, Bộ Công an" is wider than a phone.
			title := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			title.Wrapping = fyne.TextWrapWord
			issuer := widget.NewLabel("")
			issuer.Wrapping = fyne.TextWrapWord
			return container.NewVBox(title, issuer, warn)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			r := l.Rows[i]
			box := o.(*fyne.Container)
			title := r.Title
			if r.Withdrawn {
				title += " — " + lang.L("withdrawn")
			}
			box.Objects[0].(*widget.Label).SetText(title)
			box.Objects[1].(*widget.Label).SetText(fmt.Sprintf("%s · %s", r.Issuer, r.Issued))
			// A record to sync before it is shown says so in the list too;
			// its row grows by that line.
			if r.NeedsSync {
				box.Objects[2].Show()
			} else {
				box.Objects[2].Hide()
			}
			l.Records.SetItemHeight(i, box.MinSize().Height)
		},
	)
	l.Records.OnSelected = func(i widget.ListItemID) {
		l.Records.UnselectAll()
		if onRecord != nil {
			onRecord(l.Rows[i].ID)
		}
	}
	back := newButton(lang.L("Back"), onBack)
	header := container.NewBorder(nil, nil, back, nil, widget.NewLabelWithStyle(viewmodel.DomainLabel(d), fyne.TextAlignCenter, fyne.TextStyle{Bold: true}))
	l.Root = container.NewBorder(container.NewVBox(header, l.Empty), nil, nil, nil, l.Records)
	return l
}
