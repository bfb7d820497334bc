/* The log hook: events at or above the level reach the callback, none below, from the
 * library's own threads too; replacing the callback stops the old one, NULL disables it; a
 * call from inside the callback is refused. The version check accepts the header's version
 * and refuses a later major or minor. */
#include "check.h"

#include <pthread.h>

typedef struct {
    pthread_mutex_t lock;
    pthread_t main_thread;
    int events;
    int by_level[OMSVC_LOG_TRACE + 1];
    int from_other_threads;
    int service_started;
    int service_call_failed;
    int bad_strings;
    int reentry_refused;
} collector;

static void collect(enum omsvc_log_level level, const char *target, const char *message,
                    void *userdata) {
    collector *log = (collector *)userdata;
    enum omsvc_status reentry = omsvc_set_log_callback(NULL, NULL, OMSVC_LOG_OFF);
    pthread_mutex_lock(&log->lock);
    log->events++;
    if (level >= OMSVC_LOG_ERROR && level <= OMSVC_LOG_TRACE) log->by_level[level]++;
    if (!pthread_equal(pthread_self(), log->main_thread)) log->from_other_threads++;
    if (target == NULL || message == NULL || strncmp(target, "omsvc", 5) != 0) {
        log->bad_strings++;
    } else {
        if (strstr(message, "service started") != NULL &&
            strstr(message, "service=LogService") != NULL)
            log->service_started++;
        if (strstr(message, "service call failed") != NULL) log->service_call_failed++;
    }
    if (reentry == OMSVC_INVALID_ARGUMENT) log->reentry_refused++;
    pthread_mutex_unlock(&log->lock);
}

static void collector_init(collector *log) {
    memset(log, 0, sizeof *log);
    pthread_mutex_init(&log->lock, NULL);
    log->main_thread = pthread_self();
}

static collector snapshot(collector *log) {
    collector copy;
    pthread_mutex_lock(&log->lock);
    copy = *log;
    pthread_mutex_unlock(&log->lock);
    return copy;
}

typedef struct {
    pthread_mutex_t lock;
    int starts;
    int fail_next_start;
} flaky_service;

static int32_t flaky_start(void *userdata, uint64_t epoch) {
    flaky_service *service = (flaky_service *)userdata;
    int failed;
    (void)epoch;
    pthread_mutex_lock(&service->lock);
    failed = service->fail_next_start;
    service->fail_next_start = 0;
    if (!failed) service->starts++;
    pthread_mutex_unlock(&service->lock);
    return failed ? 1 : 0;
}

static int32_t flaky_stop(void *userdata) {
    (void)userdata;
    return 0;
}

static void wait_for_starts(flaky_service *service, int starts) {
    int waited;
    for (waited = 0; waited < 10000; waited += 10) {
        int now;
        pthread_mutex_lock(&service->lock);
        now = service->starts;
        pthread_mutex_unlock(&service->lock);
        if (now >= starts) return;
        sleep_ms(10);
    }
    CHECK(!"the service did not start within 10 s");
}

static void lead(omsvc_node *node, uint64_t term) {
    OK(omsvc_node_leader_changed(node, term, str_of("solo"), NULL));
    OK(omsvc_node_leader_ready(node, term, 0, NULL));
}

static void version_check(void) {
    char expected[64];
    OK(omsvc_check_version(OMSVC_VERSION_MAJOR, OMSVC_VERSION_MINOR));
    if (OMSVC_VERSION_MAJOR == 0 && OMSVC_VERSION_MINOR > 0) {
        /* Before 1.0 every minor version may break the API: an older header is refused too. */
        CHECK_STATUS(omsvc_check_version(0, OMSVC_VERSION_MINOR - 1), OMSVC_INCOMPATIBLE_VERSION);
    } else if (OMSVC_VERSION_MAJOR > 0) {
        OK(omsvc_check_version(OMSVC_VERSION_MAJOR, 0));
    }
    snprintf(expected, sizeof expected, "%d.%d.%d", OMSVC_VERSION_MAJOR, OMSVC_VERSION_MINOR,
             OMSVC_VERSION_PATCH);
    CHECK(strcmp(omsvc_version(), expected) == 0);

    CHECK_STATUS(omsvc_check_version(OMSVC_VERSION_MAJOR + 1, OMSVC_VERSION_MINOR),
                 OMSVC_INCOMPATIBLE_VERSION);
    CHECK(strstr(omsvc_last_error(), omsvc_version()) != NULL);
    snprintf(expected, sizeof expected, "%d.%d", OMSVC_VERSION_MAJOR + 1, OMSVC_VERSION_MINOR);
    CHECK(strstr(omsvc_last_error(), expected) != NULL);

    CHECK_STATUS(omsvc_check_version(OMSVC_VERSION_MAJOR, OMSVC_VERSION_MINOR + 1),
                 OMSVC_INCOMPATIBLE_VERSION);
    snprintf(expected, sizeof expected, "%d.%d", OMSVC_VERSION_MAJOR, OMSVC_VERSION_MINOR + 1);
    CHECK(strstr(omsvc_last_error(), expected) != NULL);
    CHECK(strcmp(omsvc_status_message(OMSVC_INCOMPATIBLE_VERSION), "unknown status") != 0);
}

int main(void) {
    collector warnings, infos, after_off;
    collector seen;
    flaky_service service;
    omsvc_service_callbacks callbacks;
    omsvc_node *node;
    int level;

    version_check();

    collector_init(&warnings);
    collector_init(&infos);
    collector_init(&after_off);
    CHECK_STATUS(omsvc_set_log_callback(collect, &warnings, OMSVC_LOG_TRACE + 1),
                 OMSVC_INVALID_ARGUMENT);
    CHECK_STATUS(omsvc_set_log_callback(collect, &warnings, -1), OMSVC_INVALID_ARGUMENT);

    /* Warnings and errors only: the failed first start (a warning on the runner thread)
     * arrives, the node's and service's info events do not. */
    OK(omsvc_set_log_callback(collect, &warnings, OMSVC_LOG_WARN));
    memset(&service, 0, sizeof service);
    pthread_mutex_init(&service.lock, NULL);
    service.fail_next_start = 1;
    omsvc_service_callbacks_init(&callbacks, sizeof callbacks);
    callbacks.start = flaky_start;
    callbacks.stop = flaky_stop;
    node = open_node("solo", NULL);
    OK(omsvc_node_register_service(node, OMSVC_STR("LogService"), &callbacks, &service, NULL));
    lead(node, 1);
    wait_for_starts(&service, 1);
    settle(node);
    seen = snapshot(&warnings);
    CHECK(seen.service_call_failed >= 1);
    CHECK(seen.from_other_threads >= 1);
    CHECK(seen.by_level[OMSVC_LOG_WARN] >= 1);
    for (level = OMSVC_LOG_INFO; level <= OMSVC_LOG_TRACE; level++)
        CHECK(seen.by_level[level] == 0);
    CHECK(seen.service_started == 0);
    CHECK(seen.bad_strings == 0);
    CHECK(seen.reentry_refused == seen.events);

    /* Replaced: info events reach the new callback, nothing reaches the old one. */
    OK(omsvc_set_log_callback(collect, &infos, OMSVC_LOG_INFO));
    seen = snapshot(&warnings);
    OK(omsvc_node_not_leader(node, 1, NULL));
    settle(node);
    lead(node, 2);
    wait_for_starts(&service, 2);
    settle(node);
    CHECK(snapshot(&warnings).events == seen.events);
    seen = snapshot(&infos);
    CHECK(seen.service_started >= 1);
    CHECK(seen.from_other_threads >= 1);
    CHECK(seen.by_level[OMSVC_LOG_INFO] >= 1);
    for (level = OMSVC_LOG_DEBUG; level <= OMSVC_LOG_TRACE; level++)
        CHECK(seen.by_level[level] == 0);
    CHECK(seen.bad_strings == 0);
    CHECK(seen.reentry_refused == seen.events);

    /* Everything: debug events arrive too. */
    OK(omsvc_set_log_callback(collect, &infos, OMSVC_LOG_TRACE));
    OK(omsvc_node_not_leader(node, 2, NULL));
    settle(node);
    lead(node, 3);
    wait_for_starts(&service, 3);
    settle(node);
    CHECK(snapshot(&infos).by_level[OMSVC_LOG_DEBUG] >= 1);

    /* A NULL callback disables it; so does OMSVC_LOG_OFF with a callback. */
    OK(omsvc_set_log_callback(NULL, &infos, OMSVC_LOG_TRACE));
    seen = snapshot(&infos);
    OK(omsvc_node_not_leader(node, 3, NULL));
    settle(node);
    OK(omsvc_set_log_callback(collect, &after_off, OMSVC_LOG_OFF));
    lead(node, 4);
    wait_for_starts(&service, 4);
    settle(node);
    OK(omsvc_node_free(node));
    CHECK(snapshot(&infos).events == seen.events);
    CHECK(snapshot(&after_off).events == 0);

    pthread_mutex_destroy(&service.lock);
    pthread_mutex_destroy(&warnings.lock);
    pthread_mutex_destroy(&infos.lock);
    pthread_mutex_destroy(&after_off.lock);
    printf("log hook: levels, library threads, replace and disable; version check\n");
    return 0;
}
