/* One database directory is open at most once, however its path is spelled, and
 * omsvc_node_free returns only once the database is closed:
 * - while a node holds a directory, opening it as "dir", "dir/.", "dir/", "dir/../name" or
 *   through a symlink gives OMSVC_DATABASE_LOCKED; after the free, each spelling opens;
 * - a thread takes checkpoints in a loop while the main thread frees the node and reopens
 *   the directory, round after round: the reopen never finds the database still open. */
#include "check.h"

#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

static omsvc_node *open_at(const char *path, enum omsvc_status expected) {
    omsvc_node_options options;
    omsvc_node *node = NULL;
    omsvc_node_options_init(&options, sizeof options);
    options.sync_writes = false;
    options.self_id = str_of("om1");
    options.db_dir = str_of(path);
    options.create_if_missing = true;
    CHECK_STATUS(omsvc_node_open(&options, &node), expected);
    return node;
}

static void spellings(const char *dir) {
    char db[600], spelled[5][700];
    omsvc_node *holder;
    size_t i;
    snprintf(db, sizeof db, "%s/db", dir);
    snprintf(spelled[0], sizeof spelled[0], "%s", db);
    snprintf(spelled[1], sizeof spelled[1], "%s/.", db);
    snprintf(spelled[2], sizeof spelled[2], "%s/", db);
    snprintf(spelled[3], sizeof spelled[3], "%s/../db", db);
    snprintf(spelled[4], sizeof spelled[4], "%s/link", dir);

    holder = open_at(db, OMSVC_OK);
    CHECK(symlink(db, spelled[4]) == 0);
    for (i = 0; i < 5; i++) {
        CHECK(open_at(spelled[i], OMSVC_DATABASE_LOCKED) == NULL);
        CHECK(strstr(omsvc_last_error(), "locked") != NULL);
    }
    OK(omsvc_node_free(holder));
    for (i = 0; i < 5; i++) {
        omsvc_node *node = open_at(spelled[i], OMSVC_OK);
        CHECK(open_at(db, OMSVC_DATABASE_LOCKED) == NULL);
        OK(omsvc_node_free(node));
    }
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static omsvc_node *current;
static int stop_checkpoints;
static long checkpoints_taken;
static char checkpoint_base[600];

/* Removes a checkpoint directory (RocksDB writes only files into it). */
static void remove_checkpoint(const char *path) {
    DIR *dir = opendir(path);
    struct dirent *entry;
    char file[1200];
    if (dir == NULL) return;
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
        snprintf(file, sizeof file, "%s/%s", path, entry->d_name);
        CHECK(unlink(file) == 0);
    }
    closedir(dir);
    CHECK(rmdir(path) == 0);
}

static void *checkpoint_loop(void *arg) {
    long n = 0;
    (void)arg;
    for (;;) {
        omsvc_node *node;
        char path[700];
        enum omsvc_status status;
        pthread_mutex_lock(&lock);
        node = current;
        if (stop_checkpoints) {
            pthread_mutex_unlock(&lock);
            break;
        }
        pthread_mutex_unlock(&lock);
        snprintf(path, sizeof path, "%s/cp-%ld", checkpoint_base, n % 4);
        remove_checkpoint(path);
        /* The handle may be freed meanwhile: that call then fails, nothing else. */
        status = omsvc_node_checkpoint(node, str_of(path));
        CHECK(status == OMSVC_OK || status == OMSVC_INVALID_HANDLE);
        if (status == OMSVC_OK) n++;
    }
    pthread_mutex_lock(&lock);
    checkpoints_taken = n;
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void free_while_checkpointing(const char *dir) {
    char db[600];
    const char *seconds_env = getenv("OMSVC_STRESS_SECONDS");
    int rounds = seconds_env != NULL ? 20 : 120;
    int round;
    pthread_t thread;
    snprintf(db, sizeof db, "%s/busy", dir);
    snprintf(checkpoint_base, sizeof checkpoint_base, "%s/checkpoints", dir);
    CHECK(mkdir(checkpoint_base, 0700) == 0);

    current = open_at(db, OMSVC_OK);
    CHECK(pthread_create(&thread, NULL, checkpoint_loop, NULL) == 0);
    for (round = 0; round < rounds; round++) {
        omsvc_node *node;
        sleep_ms(2);
        pthread_mutex_lock(&lock);
        node = current;
        pthread_mutex_unlock(&lock);
        OK(omsvc_node_free(node));
        /* The free has returned: the database is closed, so it opens again at once. */
        node = open_at(db, OMSVC_OK);
        pthread_mutex_lock(&lock);
        current = node;
        pthread_mutex_unlock(&lock);
    }
    pthread_mutex_lock(&lock);
    stop_checkpoints = 1;
    pthread_mutex_unlock(&lock);
    CHECK(pthread_join(thread, NULL) == 0);
    OK(omsvc_node_free(current));
    printf("db_lock: %d free+reopen rounds during %ld checkpoints\n", rounds, checkpoints_taken);
}

int main(void) {
    char dir[512];
    make_temp_dir(dir, sizeof dir);
    spellings(dir);
    free_while_checkpointing(dir);
    printf("db_lock: every spelling of an open directory refused; free closes before it returns\n");
    return 0;
}
