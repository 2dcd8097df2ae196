//go:build unix

package gitlabimport

import (
	"os"
	"syscall"
)

// lockExclusive takes an exclusive advisory lock on f without waiting, so
// that a second run on the same journal fails at once instead of
// interleaving its records.
func lockExclusive(f *os.File) (func(), error) {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return nil, err
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }, nil
}
