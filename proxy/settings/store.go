package settings

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"time"
)

// FileName is the name of the settings file inside $LAGP_HOME.
const FileName = "config.json"

// Store holds the settings of one lagp process. It is safe for concurrent use.
//
// It keeps two views: what is on disk, and what this run uses (the disk values with the run's
// overrides applied). [Store.Get] returns the second. [Store.Update] edits the second; every
// field the edit changes is also written to disk, so a change made by the user wins over a flag
// for that field, while fields the edit leaves alone keep their disk values.
type Store struct {
	path string
	rand io.Reader
	now  func() time.Time

	// mu guards everything below and serialises writes to path.
	mu        sync.Mutex
	persisted Settings // what config.json holds
	effective Settings // persisted plus this run's overrides
	subs      map[*subscriber]struct{}
}

type subscriber struct {
	ch chan Settings
}

// Option changes how [Open] builds a Store.
type Option func(*Store)

// WithRand sets the source of randomness for generated API keys (default crypto/rand).
func WithRand(r io.Reader) Option {
	return func(s *Store) { s.rand = r }
}

// WithClock sets the clock that stamps new API keys (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// Open loads home/config.json. A missing file yields [Defaults] (the file is written on the
// first change); a file that cannot be read, parsed or validated is an error naming its path and
// is left untouched.
func Open(home string, opts ...Option) (*Store, error) {
	s := &Store{
		path: filepath.Join(home, FileName),
		rand: rand.Reader,
		now:  time.Now,
		subs: make(map[*subscriber]struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	loaded, err := load(s.path)
	if err != nil {
		return nil, err
	}
	s.persisted = loaded
	s.effective = loaded.clone()
	return s, nil
}

func load(path string) (Settings, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Defaults(), nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("reading settings: %w", err)
	}
	// Fields missing from the file keep their defaults.
	s := Defaults()
	if err := json.Unmarshal(b, &s); err != nil {
		return Settings{}, fmt.Errorf("settings file %s is not valid JSON (fix or remove it): %w",
			path, err)
	}
	s.normalize()
	if err := s.Validate(); err != nil {
		return Settings{}, fmt.Errorf("settings file %s is invalid (fix or remove it): %w",
			path, err)
	}
	return s, nil
}

// Path returns the settings file's path.
func (s *Store) Path() string {
	return s.path
}

// Get returns a copy of the settings in use for this run.
func (s *Store) Get() Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.effective.clone()
}

// Keys returns the API key values in use, for the proxy's API-key guard.
func (s *Store) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.effective.APIKeys))
	for _, k := range s.effective.APIKeys {
		keys = append(keys, k.Key)
	}
	return keys
}

// Update applies edit to a copy of the settings in use, validates the result, writes the changed
// fields to disk and then notifies subscribers. If edit returns an error, validation fails or the
// file cannot be written, nothing changes and the error is returned. An edit that changes
// nothing writes nothing and notifies no one. edit runs with the store locked: it must not call
// the Store.
func (s *Store) Update(edit func(*Settings) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.effective.clone()
	if err := edit(&next); err != nil {
		return err
	}
	next.normalize()
	if err := next.Validate(); err != nil {
		return err
	}
	if err := next.validateExposure(); err != nil {
		return err
	}
	changed := changedFields(s.effective, next)
	if len(changed) == 0 {
		return nil
	}
	disk := s.persisted.clone()
	copyFields(&disk, next, changed)
	if !reflect.DeepEqual(disk, s.persisted) {
		if err := writeFile(s.path, disk); err != nil {
			return err
		}
	}
	s.persisted = disk
	s.effective = next
	s.notifyLocked()
	return nil
}

// Override changes the settings in use for this run only, as command-line flags do. Nothing is
// written to disk and the result is not validated: check flag values before overriding.
// Subscribers are notified when something changed.
func (s *Store) Override(edit func(*Settings)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.effective.clone()
	edit(&next)
	next.normalize()
	if len(changedFields(s.effective, next)) == 0 {
		return
	}
	s.effective = next
	s.notifyLocked()
}

// Subscribe returns a channel that receives the settings after each change, and a function that
// ends the subscription and closes the channel. The channel holds one value: a slow reader
// misses intermediate values but always gets the latest. Subscribe before calling [Store.Get]
// to be sure no change slips between the two.
func (s *Store) Subscribe() (<-chan Settings, func()) {
	sub := &subscriber{ch: make(chan Settings, 1)}
	s.mu.Lock()
	s.subs[sub] = struct{}{}
	s.mu.Unlock()
	var once sync.Once
	cancel := func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			delete(s.subs, sub)
			close(sub.ch)
		})
	}
	return sub.ch, cancel
}

// notifyLocked hands the current settings to every subscriber without blocking, replacing a
// value the subscriber has not read yet. Sends happen under mu, so the last value sent is the
// latest.
func (s *Store) notifyLocked() {
	for sub := range s.subs {
		select {
		case <-sub.ch:
		default:
		}
		sub.ch <- s.effective.clone()
	}
}

// AddAPIKey generates a key named name, saves it and returns it.
func (s *Store) AddAPIKey(name string) (APIKey, error) {
	key, err := newAPIKey(s.rand)
	if err != nil {
		return APIKey{}, err
	}
	k := APIKey{Name: name, Key: key, Created: s.now().UTC().Truncate(time.Second)}
	err = s.Update(func(st *Settings) error {
		if slices.ContainsFunc(st.APIKeys, func(o APIKey) bool { return o.Name == name }) {
			return fmt.Errorf("an API key named %q already exists", name)
		}
		st.APIKeys = append(st.APIKeys, k)
		return nil
	})
	if err != nil {
		return APIKey{}, err
	}
	return k, nil
}

// EnsureAPIKey returns the first API key, first creating and saving one named name when there
// is none.
func (s *Store) EnsureAPIKey(name string) (string, error) {
	key, err := newAPIKey(s.rand)
	if err != nil {
		return "", err
	}
	created := s.now().UTC().Truncate(time.Second)
	err = s.Update(func(st *Settings) error {
		if len(st.APIKeys) > 0 {
			key = st.APIKeys[0].Key
			return nil
		}
		st.APIKeys = append(st.APIKeys, APIKey{Name: name, Key: key, Created: created})
		return nil
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// changedFields returns the indexes of the fields that differ between a and b.
func changedFields(a, b Settings) []int {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var changed []int
	for i := range va.NumField() {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			changed = append(changed, i)
		}
	}
	return changed
}

// copyFields sets the listed fields of dst from src.
func copyFields(dst *Settings, src Settings, fields []int) {
	vd, vs := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src)
	for _, i := range fields {
		vd.Field(i).Set(vs.Field(i))
	}
}

// writeFile replaces path with s atomically: a temp file in the same directory, synced, then
// renamed over path, so a crash leaves either the old or the new file, never a partial one.
func writeFile(path string, s Settings) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding settings: %w", err)
	}
	b = append(b, '\n')
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating settings directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, FileName+".*.tmp")
	if err != nil {
		return fmt.Errorf("saving settings: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := writeAndSync(tmp, b); err != nil {
		return fmt.Errorf("saving settings: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("saving settings: %w", err)
	}
	return nil
}

func writeAndSync(f *os.File, b []byte) error {
	// CreateTemp already uses 0600; Chmod makes that explicit and survives any umask change.
	err := f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(b)
	}
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
