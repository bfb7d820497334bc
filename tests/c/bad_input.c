/* Every exported function with bad input: NULL for each pointer, invalid UTF-8, empty and
 * over-long names, oversized values, freed handles, double free, events out of order and calls
 * after shutdown. Each gets its documented status and writes nothing. */
#include "check.h"

#include <stdint.h>

static const char bad_utf8[] = {'b', 'a', 'd', (char)0xc3, (char)0x28};
static char long_name[300];

static int32_t start_ok(void *userdata, uint64_t epoch) {
    (void)userdata;
    (void)epoch;
    return 0;
}

static int32_t stop_ok(void *userdata) {
    (void)userdata;
    return 0;
}

static void misc_functions(void) {
    CHECK(strcmp(omsvc_status_message(OMSVC_OK), "ok") == 0);
    CHECK(strstr(omsvc_status_message(OMSVC_INVALID_HANDLE), "handle") != NULL);
    for (int status = OMSVC_OK; status <= OMSVC_INCOMPATIBLE_VERSION; status++) {
        CHECK(strcmp(omsvc_status_message(status), "unknown status") != 0);
    }
    CHECK(strcmp(omsvc_status_message(9999), "unknown status") == 0);
    CHECK(strcmp(omsvc_status_message(-1), "unknown status") == 0);
    CHECK(omsvc_version() != NULL && strlen(omsvc_version()) > 0);
    CHECK(omsvc_bytes_data(NULL) == NULL && omsvc_bytes_len(NULL) == 0);
    omsvc_bytes_free(NULL);
    CHECK(omsvc_name_list_len(NULL) == 0 && omsvc_name_list_get(NULL, 0, NULL) == NULL);
    omsvc_name_list_free(NULL);
}

static void encoders(void) {
    omsvc_bytes *sentinel = (omsvc_bytes *)0x1;
    omsvc_bytes *out = sentinel;
    static uint8_t huge[OMSVC_MAX_CONFIGURATION_BYTES + 1];

    CHECK_STATUS(omsvc_encode_set_request(str_n(NULL, 3), (const uint8_t *)"v", 1, &out),
                 OMSVC_NULL_ARGUMENT);
    CHECK(strstr(omsvc_last_error(), "service name is NULL") != NULL);
    CHECK_STATUS(omsvc_encode_set_request(OMSVC_STR("svc"), NULL, 1, &out), OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_encode_set_request(OMSVC_STR("svc"), (const uint8_t *)"v", 1, NULL),
                 OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(
        omsvc_encode_set_request(str_n(bad_utf8, sizeof bad_utf8), (const uint8_t *)"v", 1, &out),
        OMSVC_INVALID_UTF8);
    CHECK_STATUS(omsvc_encode_set_request(OMSVC_STR(""), (const uint8_t *)"v", 1, &out),
                 OMSVC_INVALID_NAME);
    CHECK(strstr(omsvc_last_error(), "empty") != NULL);
    CHECK_STATUS(omsvc_encode_set_request(str_n(long_name, 256), (const uint8_t *)"v", 1, &out),
                 OMSVC_INVALID_NAME);
    CHECK(strstr(omsvc_last_error(), "256 bytes long; the limit is 255") != NULL);
    CHECK_STATUS(omsvc_encode_set_request(OMSVC_STR("a\tb"), (const uint8_t *)"v", 1, &out),
                 OMSVC_INVALID_NAME);
    CHECK_STATUS(omsvc_encode_set_request(OMSVC_STR("svc"), huge, sizeof huge, &out),
                 OMSVC_VALUE_TOO_LARGE);
    CHECK_STATUS(omsvc_encode_delete_request(str_n(NULL, 0), &out), OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_encode_delete_request(str_n(bad_utf8, sizeof bad_utf8), &out),
                 OMSVC_INVALID_UTF8);
    CHECK_STATUS(omsvc_encode_delete_request(OMSVC_STR("svc"), NULL), OMSVC_NULL_ARGUMENT);
    CHECK(out == sentinel); /* nothing written on failure */

    /* Limits are inclusive; an empty value with a NULL pointer is fine. */
    OK(omsvc_encode_set_request(str_n(long_name, 255), NULL, 0, &out));
    omsvc_bytes_free(out);
    OK(omsvc_encode_set_request(OMSVC_STR("svc"), huge, OMSVC_MAX_CONFIGURATION_BYTES, &out));
    CHECK(omsvc_bytes_len(out) > OMSVC_MAX_CONFIGURATION_BYTES);
    omsvc_bytes_free(out);
}

static void opening(const char *dir) {
    omsvc_node_options options;
    omsvc_node *sentinel = (omsvc_node *)0x1;
    omsvc_node *node = sentinel;
    omsvc_node *holder;
    char missing[600];

    /* A zeroed struct is refused, not read as "fsync off, create nothing". */
    memset(&options, 0, sizeof options);
    options.self_id = str_of("om1");
    CHECK_STATUS(omsvc_node_open(&options, &node), OMSVC_INVALID_ARGUMENT);
    CHECK(strstr(omsvc_last_error(), "omsvc_node_options_init") != NULL);
    options.struct_size = OMSVC_NODE_OPTIONS_SIZE_1_0 - 8; /* below the 1.0 layout */
    CHECK_STATUS(omsvc_node_open(&options, &node), OMSVC_INVALID_ARGUMENT);
    CHECK(strstr(omsvc_last_error(), "omsvc_node_options_init") != NULL);
    /* An uninitialized struct's garbage size: refused before anything past it is read (ASan
     * and valgrind would see a read beyond `options`). */
    options.struct_size = (size_t)1 << 40;
    CHECK_STATUS(omsvc_node_open(&options, &node), OMSVC_INVALID_ARGUMENT);
    CHECK(strstr(omsvc_last_error(), "not initialized") != NULL);
    options.struct_size = 4097;
    CHECK_STATUS(omsvc_node_open(&options, &node), OMSVC_INVALID_ARGUMENT);
    CHECK(node == sentinel);
    CHECK_STATUS(omsvc_node_options_init(&options, (size_t)-1), OMSVC_INVALID_ARGUMENT);
    /* A bool field's byte that is neither false nor true (garbage, or memset to a pattern) is
     * refused by name, never read as a Rust bool. */
    OK(omsvc_node_options_init(&options, sizeof options));
    options.self_id = str_of("om1");
    memset(&options.sync_writes, 0x02, 1);
    CHECK_STATUS(omsvc_node_open(&options, &node), OMSVC_INVALID_ARGUMENT);
    CHECK(strstr(omsvc_last_error(), "options.sync_writes holds 2") != NULL);
    CHECK(node == sentinel);
    CHECK_STATUS(omsvc_node_options_init(NULL, sizeof options), OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_node_options_init(&options, OMSVC_NODE_OPTIONS_SIZE_1_0 - 1),
                 OMSVC_INVALID_ARGUMENT);
    OK(omsvc_node_options_init(&options, sizeof options));
    CHECK(options.struct_size == sizeof options);
    CHECK(options.sync_writes && options.create_if_missing);
    CHECK(options.self_id.ptr == NULL && options.db_dir.ptr == NULL);
    options.self_id = str_of("om1");
    CHECK_STATUS(omsvc_node_open(NULL, &node), OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_node_open(&options, NULL), OMSVC_NULL_ARGUMENT);
    options.self_id = str_of(NULL);
    CHECK_STATUS(omsvc_node_open(&options, &node), OMSVC_NULL_ARGUMENT);
    options.self_id = str_of("");
    CHECK_STATUS(omsvc_node_open(&options, &node), OMSVC_INVALID_ARGUMENT);
    options.self_id.ptr = bad_utf8;
    options.self_id.len = sizeof bad_utf8;
    CHECK_STATUS(omsvc_node_open(&options, &node), OMSVC_INVALID_UTF8);
    options.self_id = str_of("om1");
    options.db_dir.ptr = bad_utf8;
    options.db_dir.len = sizeof bad_utf8;
    CHECK_STATUS(omsvc_node_open(&options, &node), OMSVC_INVALID_UTF8);

    snprintf(missing, sizeof missing, "%s/no-such-db", dir);
    options.db_dir = str_of(missing);
    options.create_if_missing = false;
    CHECK_STATUS(omsvc_node_open(&options, &node), OMSVC_DATABASE_MISSING);
    CHECK(strstr(omsvc_last_error(), missing) != NULL);

    options.db_dir = str_of(dir);
    options.create_if_missing = true;
    OK(omsvc_node_open(&options, &holder));
    CHECK_STATUS(omsvc_node_open(&options, &node), OMSVC_DATABASE_LOCKED);
    CHECK(strstr(omsvc_last_error(), dir) != NULL);
    CHECK(node == sentinel);
    OK(omsvc_node_free(holder));
}

static void handles(void) {
    omsvc_node *node = open_node("om1", NULL);
    bool settled;
    OK(omsvc_node_free(NULL));
    OK(omsvc_node_free(node));
    CHECK_STATUS(omsvc_node_free(node), OMSVC_INVALID_HANDLE); /* double free */
    CHECK_STATUS(omsvc_node_leader_ready(node, 1, 0, NULL), OMSVC_INVALID_HANDLE);
    CHECK_STATUS(omsvc_node_wait_settled(node, 10, &settled), OMSVC_INVALID_HANDLE);
    CHECK_STATUS(omsvc_node_free((omsvc_node *)(uintptr_t)0xdeadbeef), OMSVC_INVALID_HANDLE);
    CHECK_STATUS(omsvc_node_applied((omsvc_node *)(uintptr_t)0x7, 1, 1, NULL),
                 OMSVC_INVALID_HANDLE);
}

static void events(void) {
    omsvc_node *node = open_node("om1", NULL);
    enum omsvc_event_outcome outcome = (enum omsvc_event_outcome)77;
    omsvc_str peers[2];
    omsvc_str bad;

    CHECK_STATUS(omsvc_node_leader_changed(NULL, 1, str_of("om1"), &outcome), OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_node_not_leader(NULL, 1, &outcome), OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_node_leader_ready(NULL, 1, 0, &outcome), OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_node_term_index_updated(NULL, 1, 0, &outcome), OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_node_configuration_changed(NULL, 1, 0, NULL, 0, &outcome),
                 OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_node_applied(NULL, 1, 0, &outcome), OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_node_shutdown(NULL), OMSVC_NULL_ARGUMENT);
    bad.ptr = bad_utf8;
    bad.len = sizeof bad_utf8;
    CHECK_STATUS(omsvc_node_leader_changed(node, 1, bad, &outcome), OMSVC_INVALID_UTF8);
    CHECK_STATUS(omsvc_node_configuration_changed(node, 1, 0, NULL, 2, &outcome),
                 OMSVC_NULL_ARGUMENT);
    peers[0] = str_of("om1");
    peers[1] = bad;
    CHECK_STATUS(omsvc_node_configuration_changed(node, 1, 0, peers, 2, &outcome),
                 OMSVC_INVALID_UTF8);
    CHECK((int)outcome == 77); /* nothing written on failure */

    /* Array counts are checked like byte lengths: a count whose size overflows (or exceeds
     * PTRDIFF_MAX bytes) is refused before anything is read. */
    CHECK_STATUS(omsvc_node_configuration_changed(node, 1, 0, peers, SIZE_MAX, &outcome),
                 OMSVC_INVALID_ARGUMENT);
    CHECK(strstr(omsvc_last_error(), "peers") != NULL);
    CHECK_STATUS(omsvc_node_configuration_changed(node, 1, 0, peers,
                                                  SIZE_MAX / sizeof(omsvc_str) + 1, &outcome),
                 OMSVC_INVALID_ARGUMENT);
    CHECK_STATUS(omsvc_node_configuration_changed(
                     node, 1, 0, peers, (size_t)PTRDIFF_MAX / sizeof(omsvc_str) + 1, &outcome),
                 OMSVC_INVALID_ARGUMENT);
    CHECK((int)outcome == 77);

    /* Out of order: ready before elected (never promotes, though its term is entered), ready
     * after stepping down, old terms. */
    OK(omsvc_node_leader_ready(node, 3, 0, &outcome));
    CHECK(outcome == OMSVC_EVENT_CONTRADICTED);
    OK(omsvc_node_leader_changed(node, 3, str_of("om1"), &outcome));
    OK(omsvc_node_leader_ready(node, 3, 0, &outcome));
    CHECK(outcome == OMSVC_EVENT_CHANGED);
    OK(omsvc_node_not_leader(node, 3, &outcome));
    OK(omsvc_node_leader_ready(node, 3, 0, &outcome));
    CHECK(outcome == OMSVC_EVENT_CONTRADICTED);
    OK(omsvc_node_leader_changed(node, 2, str_of("om1"), &outcome));
    CHECK(outcome == OMSVC_EVENT_STALE);
    OK(omsvc_node_leader_changed(node, 4, str_of(NULL), &outcome)); /* no leader known */
    CHECK(outcome == OMSVC_EVENT_UNCHANGED || outcome == OMSVC_EVENT_CHANGED);

    OK(omsvc_node_shutdown(node));
    CHECK_STATUS(omsvc_node_leader_ready(node, 5, 0, &outcome), OMSVC_SHUT_DOWN);
    CHECK_STATUS(omsvc_node_not_leader(node, 5, NULL), OMSVC_SHUT_DOWN);
    OK(omsvc_node_shutdown(node)); /* twice is fine */
    OK(omsvc_node_free(node));
}

static void configuration(const char *dir) {
    omsvc_node *node = open_node("om1", NULL);
    omsvc_bytes *request = NULL;
    omsvc_bytes *value = (omsvc_bytes *)0x1;
    omsvc_name_list *names = (omsvc_name_list *)0x1;
    uint8_t buf[4];
    bool present = true;
    size_t len = 99;
    uint64_t term = 77, index = 77;
    char checkpoint[600];
    static const uint8_t garbage[] = {0xff, 0x00, 0x13};
    enum omsvc_apply_outcome applied = (enum omsvc_apply_outcome)77;

    OK(omsvc_encode_set_request(OMSVC_STR("svc"), (const uint8_t *)"hello", 5, &request));
    CHECK_STATUS(omsvc_node_apply_entry(NULL, 1, 1, omsvc_bytes_data(request),
                                        omsvc_bytes_len(request), NULL),
                 OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_node_apply_entry(node, 1, 1, NULL, 5, NULL), OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_node_apply_entry(node, 1, 1, garbage, sizeof garbage, &applied),
                 OMSVC_MALFORMED_COMMAND);
    CHECK_STATUS(omsvc_node_apply_entry(node, 1, 1, NULL, 0, &applied), OMSVC_MALFORMED_COMMAND);
    CHECK((int)applied == 77);
    OK(omsvc_node_last_applied_entry(node, &term, &index));
    CHECK(term == 0 && index == 0); /* refused entries wrote nothing */
    OK(omsvc_node_list_configurations(node, &names));
    CHECK(omsvc_name_list_len(names) == 0);
    omsvc_name_list_free(names);

    OK(omsvc_node_apply_entry(node, 1, 1, omsvc_bytes_data(request), omsvc_bytes_len(request),
                              &applied));
    CHECK(applied == OMSVC_APPLY_APPLIED);
    OK(omsvc_node_apply_entry(node, 1, 1, omsvc_bytes_data(request), omsvc_bytes_len(request),
                              &applied));
    CHECK(applied == OMSVC_APPLY_ALREADY_APPLIED);
    omsvc_bytes_free(request);

    CHECK_STATUS(
        omsvc_node_read_configuration(node, str_n(NULL, 3), buf, sizeof buf, &present, &len),
        OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_node_read_configuration(node, OMSVC_STR("svc"), buf, sizeof buf, NULL, &len),
                 OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(
        omsvc_node_read_configuration(node, OMSVC_STR("svc"), buf, sizeof buf, &present, NULL),
        OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_node_read_configuration(node, OMSVC_STR("svc"), NULL, 4, &present, &len),
                 OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(
        omsvc_node_read_configuration(node, OMSVC_STR(""), buf, sizeof buf, &present, &len),
        OMSVC_INVALID_NAME);
    CHECK(present == true && len == 99);
    CHECK_STATUS(
        omsvc_node_read_configuration(node, OMSVC_STR("svc"), buf, sizeof buf, &present, &len),
        OMSVC_BUFFER_TOO_SMALL);
    CHECK(present && len == 5); /* the needed length */
    len = 0;
    CHECK_STATUS(omsvc_node_read_configuration(node, OMSVC_STR("svc"), NULL, 0, &present, &len),
                 OMSVC_BUFFER_TOO_SMALL);
    CHECK(len == 5); /* the size query */
    OK(omsvc_node_read_configuration(node, OMSVC_STR("absent"), NULL, 0, &present, &len));
    CHECK(!present && len == 0);

    CHECK_STATUS(omsvc_node_read_configuration_owned(node, OMSVC_STR("svc"), NULL),
                 OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(
        omsvc_node_read_configuration_owned(node, str_n(bad_utf8, sizeof bad_utf8), &value),
        OMSVC_INVALID_UTF8);
    CHECK(value == (omsvc_bytes *)0x1);
    OK(omsvc_node_read_configuration_owned(node, OMSVC_STR("absent"), &value));
    CHECK(value == NULL);
    OK(omsvc_node_read_configuration_owned(node, OMSVC_STR("svc"), &value));
    CHECK(omsvc_bytes_len(value) == 5 && memcmp(omsvc_bytes_data(value), "hello", 5) == 0);
    omsvc_bytes_free(value);

    CHECK_STATUS(omsvc_node_list_configurations(node, NULL), OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_node_list_configurations(NULL, &names), OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_node_last_applied_entry(node, NULL, &index), OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_node_last_applied_entry(node, &term, NULL), OMSVC_NULL_ARGUMENT);

    snprintf(checkpoint, sizeof checkpoint, "%s/checkpoint", dir);
    CHECK_STATUS(omsvc_node_checkpoint(node, str_n(NULL, 0)), OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_node_checkpoint(node, str_of(dir)), OMSVC_CHECKPOINT_EXISTS);
    OK(omsvc_node_checkpoint(node, str_of(checkpoint)));
    CHECK_STATUS(omsvc_node_reinitialize(node, str_n(NULL, 0)), OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_node_reinitialize(node, str_of(dir)), OMSVC_DATABASE_MISSING);
    OK(omsvc_node_reinitialize(node, str_of(checkpoint)));

    {
        omsvc_service_callbacks callbacks;
        omsvc_service_status status;
        omsvc_bytes *json = (omsvc_bytes *)0x1;
        bool flag = true;
        omsvc_service_callbacks_init(&callbacks, sizeof callbacks);
        callbacks.start = start_ok;
        CHECK_STATUS(omsvc_node_register_service(node, OMSVC_STR("svc"), NULL, NULL, NULL),
                     OMSVC_NULL_ARGUMENT);
        CHECK_STATUS(omsvc_node_register_service(node, OMSVC_STR("svc"), &callbacks, NULL, NULL),
                     OMSVC_NULL_ARGUMENT);
        callbacks.stop = stop_ok;
        CHECK_STATUS(omsvc_node_register_service(node, OMSVC_STR(""), &callbacks, NULL, NULL),
                     OMSVC_INVALID_NAME);
        CHECK_STATUS(
            omsvc_node_register_service(node, str_n(long_name, 300), &callbacks, NULL, NULL),
            OMSVC_INVALID_NAME);
        CHECK_STATUS(omsvc_node_register_service(node, str_n(NULL, 0), &callbacks, NULL, NULL),
                     OMSVC_NULL_ARGUMENT);
        OK(omsvc_node_register_service(node, OMSVC_STR("svc"), &callbacks, NULL, NULL));
        CHECK_STATUS(omsvc_node_register_service(node, OMSVC_STR("svc"), &callbacks, NULL, NULL),
                     OMSVC_DUPLICATE_SERVICE);
        status.struct_size = sizeof status;
        CHECK_STATUS(omsvc_node_service_status(node, OMSVC_STR("nobody"), &status),
                     OMSVC_UNKNOWN_SERVICE);
        CHECK_STATUS(omsvc_node_service_status(node, OMSVC_STR("svc"), NULL), OMSVC_NULL_ARGUMENT);
        CHECK_STATUS(omsvc_node_status_json(node, NULL), OMSVC_NULL_ARGUMENT);
        CHECK_STATUS(omsvc_node_status_json(NULL, &json), OMSVC_NULL_ARGUMENT);
        CHECK(json == (omsvc_bytes *)0x1);
        CHECK_STATUS(omsvc_node_wait_settled(node, 10, NULL), OMSVC_NULL_ARGUMENT);
        CHECK_STATUS(omsvc_node_epoch_is_current(node, 1, NULL), OMSVC_NULL_ARGUMENT);
        OK(omsvc_node_epoch_is_current(node, 0, &flag));
        CHECK(!flag);

        /* After shutdown: writes and registrations are refused, reads still work. */
        OK(omsvc_node_shutdown(node));
        CHECK_STATUS(omsvc_node_register_service(node, OMSVC_STR("late"), &callbacks, NULL, NULL),
                     OMSVC_SHUT_DOWN);
        OK(omsvc_encode_delete_request(OMSVC_STR("svc"), &request));
        CHECK_STATUS(omsvc_node_apply_entry(node, 1, 2, omsvc_bytes_data(request),
                                            omsvc_bytes_len(request), NULL),
                     OMSVC_SHUT_DOWN);
        CHECK_STATUS(omsvc_node_reinitialize(node, str_of(checkpoint)), OMSVC_SHUT_DOWN);
        omsvc_bytes_free(request);
        OK(omsvc_node_read_configuration(node, OMSVC_STR("svc"), NULL, 0, &present, &len) ==
                   OMSVC_BUFFER_TOO_SMALL
               ? OMSVC_OK
               : OMSVC_PANIC);
        status.struct_size = sizeof status;
        OK(omsvc_node_service_status(node, OMSVC_STR("svc"), &status));
        CHECK(status.state != OMSVC_SERVICE_RUNNING);
    }
    OK(omsvc_node_free(node));
}

/* Every message is bounded: a 1 MiB name (invalid UTF-8, or just long) yields a short
 * message that quotes at most 64 characters of it. */
static void bounded_messages(void) {
    size_t size = 1024 * 1024;
    char *huge = (char *)malloc(size);
    omsvc_bytes *out = (omsvc_bytes *)0x1;
    omsvc_node *node = open_node("om1", NULL);
    omsvc_service_callbacks callbacks;
    CHECK(huge != NULL);
    omsvc_service_callbacks_init(&callbacks, sizeof callbacks);
    callbacks.start = start_ok;
    callbacks.stop = stop_ok;

    memset(huge, 0xff, size); /* not UTF-8 anywhere */
    CHECK_STATUS(omsvc_encode_set_request(str_n(huge, size), (const uint8_t *)"v", 1, &out),
                 OMSVC_INVALID_UTF8);
    CHECK(strlen(omsvc_last_error()) <= 1024);
    CHECK_STATUS(omsvc_node_register_service(node, str_n(huge, size), &callbacks, NULL, NULL),
                 OMSVC_INVALID_UTF8);
    CHECK(strlen(omsvc_last_error()) <= 1024);
    memset(huge, 'x', size);
    CHECK_STATUS(omsvc_encode_delete_request(str_n(huge, size), &out), OMSVC_INVALID_NAME);
    CHECK(strlen(omsvc_last_error()) <= 1024);
    CHECK(strstr(omsvc_last_error(),
                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") == NULL);
    CHECK(out == (omsvc_bytes *)0x1);
    {
        omsvc_node_options options;
        omsvc_node *other = NULL;
        omsvc_node_options_init(&options, sizeof options);
        options.self_id.ptr = huge;
        options.self_id.len = 300; /* valid UTF-8, too long for an id */
        CHECK_STATUS(omsvc_node_open(&options, &other), OMSVC_INVALID_ARGUMENT);
        CHECK(strstr(omsvc_last_error(),
                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") == NULL);
        CHECK(other == NULL);
    }
    OK(omsvc_node_free(node));
    free(huge);
}

/* A directory whose CURRENT file is garbage: the open fails with a status and leaks nothing
 * (valgrind and LeakSanitizer check the latter). */
static void corrupt_current(const char *dir) {
    char db[600], current[700];
    omsvc_node *node;
    omsvc_node *reopened = (omsvc_node *)0x1;
    omsvc_node_options options;
    FILE *file;
    enum omsvc_status status;

    snprintf(db, sizeof db, "%s/corrupt", dir);
    node = open_node("om1", db);
    OK(omsvc_node_free(node));
    snprintf(current, sizeof current, "%s/CURRENT", db);
    file = fopen(current, "w");
    CHECK(file != NULL);
    fputs("MANIFEST-999999\n", file);
    fclose(file);
    memset(&options, 0, sizeof options);
    options.self_id = str_of("om1");
    options.db_dir = str_of(db);
    status = omsvc_node_open(&options, &reopened);
    CHECK(status != OMSVC_OK && status != OMSVC_PANIC);
    CHECK(reopened == (omsvc_node *)0x1);
}

int main(void) {
    char dir[512], db[600];
    memset(long_name, 'n', sizeof long_name);
    make_temp_dir(dir, sizeof dir);
    misc_functions();
    encoders();
    snprintf(db, sizeof db, "%s/locked", dir);
    opening(db);
    handles();
    events();
    configuration(dir);
    bounded_messages();
    corrupt_current(dir);
    printf("bad_input: every bad argument refused with its status\n");
    return 0;
}
