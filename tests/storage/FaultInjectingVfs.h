// A SQLite VFS shim for tests, after SQLite's own ioerr tests: it forwards to the
// default VFS and, once armed, makes the Nth write or sync (or read) fail with
// SQLITE_IOERR, and every later one too until it is disarmed.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstring>

namespace lv::storage::test {

class FaultInjectingVfs {
public:
    enum class Target { Writes, Reads };

    // Registers the shim as the process's default VFS.
    static void install() {
        static bool installed = false;
        if (installed) return;
        real() = sqlite3_vfs_find(nullptr);
        static sqlite3_vfs vfs = *real();
        vfs.zName = "lv-fault-injecting";
        vfs.szOsFile = static_cast<int>(sizeof(File)) + real()->szOsFile;
        vfs.pAppData = nullptr;
        vfs.xOpen = &open;
        sqlite3_vfs_register(&vfs, 1);
        installed = true;
    }

    // The nth matching operation from now fails, and every one after it.
    static void arm(Target target, int nth) {
        state().target.store(target);
        state().failed.store(0);
        state().countdown.store(nth);
    }
    static void disarm() { state().countdown.store(0); }
    static int failures() { return state().failed.load(); }

private:
    struct File {
        sqlite3_file base;
        sqlite3_file* real;
    };
    struct State {
        std::atomic<Target> target{Target::Writes};
        std::atomic<int> countdown{0}; // 0: off; 1: the next one fails
        std::atomic<int> failed{0};
    };
    static State& state() {
        static State s;
        return s;
    }
    static sqlite3_vfs*& real() {
        static sqlite3_vfs* r = nullptr;
        return r;
    }
    static sqlite3_file* inner(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }

    static bool shouldFail(Target target) {
        State& s = state();
        if (s.target.load() != target) return false;
        int n = s.countdown.load();
        while (n > 0) {
            if (n == 1) { // persistent: stays at 1 until disarmed
                s.failed.fetch_add(1);
                return true;
            }
            if (s.countdown.compare_exchange_weak(n, n - 1)) return false;
        }
        return false;
    }

    static int close(sqlite3_file* f) {
        sqlite3_file* r = inner(f);
        return r->pMethods ? r->pMethods->xClose(r) : SQLITE_OK;
    }
    static int read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
        if (shouldFail(Target::Reads)) return SQLITE_IOERR_READ;
        return inner(f)->pMethods->xRead(inner(f), buf, amount, offset);
    }
    static int write(sqlite3_file* f, const void* buf, int amount, sqlite3_int64 offset) {
        if (shouldFail(Target::Writes)) return SQLITE_IOERR_WRITE;
        return inner(f)->pMethods->xWrite(inner(f), buf, amount, offset);
    }
    static int truncate(sqlite3_file* f, sqlite3_int64 size) {
        if (shouldFail(Target::Writes)) return SQLITE_IOERR_TRUNCATE;
        return inner(f)->pMethods->xTruncate(inner(f), size);
    }
    static int sync(sqlite3_file* f, int flags) {
        if (shouldFail(Target::Writes)) return SQLITE_IOERR_FSYNC;
        return inner(f)->pMethods->xSync(inner(f), flags);
    }
    static int fileSize(sqlite3_file* f, sqlite3_int64* size) {
        return inner(f)->pMethods->xFileSize(inner(f), size);
    }
    static int lock(sqlite3_file* f, int level) {
        return inner(f)->pMethods->xLock(inner(f), level);
    }
    static int unlock(sqlite3_file* f, int level) {
        return inner(f)->pMethods->xUnlock(inner(f), level);
    }
    static int checkReservedLock(sqlite3_file* f, int* out) {
        return inner(f)->pMethods->xCheckReservedLock(inner(f), out);
    }
    static int fileControl(sqlite3_file* f, int op, void* arg) {
        return inner(f)->pMethods->xFileControl(inner(f), op, arg);
    }
    static int sectorSize(sqlite3_file* f) { return inner(f)->pMethods->xSectorSize(inner(f)); }
    static int deviceCharacteristics(sqlite3_file* f) {
        return inner(f)->pMethods->xDeviceCharacteristics(inner(f));
    }
    static int shmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
        return inner(f)->pMethods->xShmMap(inner(f), region, size, extend, out);
    }
    static int shmLock(sqlite3_file* f, int offset, int n, int flags) {
        return inner(f)->pMethods->xShmLock(inner(f), offset, n, flags);
    }
    static void shmBarrier(sqlite3_file* f) { inner(f)->pMethods->xShmBarrier(inner(f)); }
    static int shmUnmap(sqlite3_file* f, int deleteFlag) {
        return inner(f)->pMethods->xShmUnmap(inner(f), deleteFlag);
    }
    static int fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
        return inner(f)->pMethods->xFetch(inner(f), offset, amount, out);
    }
    static int unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
        return inner(f)->pMethods->xUnfetch(inner(f), offset, p);
    }

    static int open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags,
                    int* outFlags) {
        static const sqlite3_io_methods methods = {3,
                                                   &close,
                                                   &read,
                                                   &write,
                                                   &truncate,
                                                   &sync,
                                                   &fileSize,
                                                   &lock,
                                                   &unlock,
                                                   &checkReservedLock,
                                                   &fileControl,
                                                   &sectorSize,
                                                   &deviceCharacteristics,
                                                   &shmMap,
                                                   &shmLock,
                                                   &shmBarrier,
                                                   &shmUnmap,
                                                   &fetch,
                                                   &unfetch};
        File* file = reinterpret_cast<File*>(f);
        file->real = reinterpret_cast<sqlite3_file*>(file + 1);
        std::memset(file->real, 0, static_cast<std::size_t>(real()->szOsFile));
        const int rc = real()->xOpen(real(), name, file->real, flags, outFlags);
        file->base.pMethods = file->real->pMethods ? &methods : nullptr;
        return rc;
    }
};

} // namespace lv::storage::test
