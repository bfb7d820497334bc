/* Stamped writes and run control through the C ABI: a write stamped with an epoch other than
 * its entry's term is refused with OMSVC_STALE_EPOCH and writes nothing; a user's stop lives in
 * its own record that a later save does not touch; an entry whose term goes down is refused. */
#include "check.h"

static void apply(omsvc_node *node, uint64_t term, uint64_t index, omsvc_bytes *request,
                  enum omsvc_status expected) {
    CHECK_STATUS(omsvc_node_apply_entry(node, term, index, omsvc_bytes_data(request),
                                        omsvc_bytes_len(request), NULL),
                 expected);
    omsvc_bytes_free(request);
}

static omsvc_bytes *stamped_set(const char *value, uint64_t epoch) {
    omsvc_bytes *request = NULL;
    OK(omsvc_encode_stamped_set_request(OMSVC_STR("Scanner"), (const uint8_t *)value, strlen(value),
                                        epoch, &request));
    return request;
}

static void check_value(omsvc_node *node, const char *expected) {
    uint8_t buf[16];
    bool present = false;
    size_t len = 0;
    OK(omsvc_node_read_configuration(node, OMSVC_STR("Scanner"), buf, sizeof buf, &present, &len));
    CHECK(present && len == strlen(expected) && memcmp(buf, expected, len) == 0);
}

int main(void) {
    omsvc_node *node = open_node("om1", NULL);
    omsvc_bytes *request = NULL;
    bool present = true, should_run = true;
    uint64_t term = 0, index = 0;

    apply(node, 3, 1, stamped_set("15", 3), OMSVC_OK);
    /* The epoch-3 save appended in term 4: every peer refuses it alike, nothing is written. */
    apply(node, 4, 2, stamped_set("14", 3), OMSVC_STALE_EPOCH);
    CHECK(strstr(omsvc_last_error(), "epoch 3") != NULL);
    check_value(node, "15");
    OK(omsvc_encode_stamped_delete_request(OMSVC_STR("Scanner"), 3, &request));
    apply(node, 4, 3, request, OMSVC_STALE_EPOCH);
    check_value(node, "15");
    OK(omsvc_node_last_applied_entry(node, &term, &index));
    CHECK(term == 3 && index == 1);

    /* A user's stop is its own record: a later save leaves it as it is. */
    OK(omsvc_node_read_run_control(node, OMSVC_STR("Scanner"), &present, &should_run));
    CHECK(!present && !should_run);
    OK(omsvc_encode_run_control_request(OMSVC_STR("Scanner"), false, &request));
    apply(node, 4, 4, request, OMSVC_OK);
    apply(node, 4, 5, stamped_set("16", 4), OMSVC_OK);
    OK(omsvc_node_read_run_control(node, OMSVC_STR("Scanner"), &present, &should_run));
    CHECK(present && !should_run);
    check_value(node, "16");

    /* Terms in a Raft log never go down. */
    apply(node, 3, 6, stamped_set("13", 3), OMSVC_INVALID_ARGUMENT);
    check_value(node, "16");

    /* Bad arguments write nothing. */
    CHECK_STATUS(
        omsvc_encode_stamped_set_request(str_n(NULL, 3), (const uint8_t *)"v", 1, 1, &request),
        OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_encode_run_control_request(OMSVC_STR(""), true, &request),
                 OMSVC_INVALID_NAME);
    CHECK_STATUS(omsvc_node_read_run_control(node, OMSVC_STR("Scanner"), NULL, &should_run),
                 OMSVC_NULL_ARGUMENT);
    CHECK_STATUS(omsvc_node_read_run_control(node, OMSVC_STR(""), &present, &should_run),
                 OMSVC_INVALID_NAME);

    OK(omsvc_node_free(node));
    printf("stateful: fenced writes, run control and terms checked\n");
    return 0;
}
