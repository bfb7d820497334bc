/* The cost of forwarding one Raft event through the C ABI, against an exported function that
 * does nothing (omsvc_version) in the same run. Each event repeats a state the node is
 * already in, as Ratis's frequent notifications do. Prints BENCH lines. */
#define _XOPEN_SOURCE 700
#include <omsvc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CALLS 2000000
#define ROUNDS 7

static omsvc_node *node;
static omsvc_str peers[3];
static volatile uintptr_t sink;

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef void (*call_fn)(uint64_t i);

static void empty_export(uint64_t i) {
    sink = (uintptr_t)omsvc_version() + (uintptr_t)i;
}
static void term_index_updated(uint64_t i) {
    omsvc_node_term_index_updated(node, 5, 1000 + i, NULL);
}
static void applied(uint64_t i) {
    (void)i;
    omsvc_node_applied(node, 5, 1000, NULL);
}
static void leader_changed(uint64_t i) {
    (void)i;
    omsvc_node_leader_changed(node, 5, peers[0], NULL);
}
static void leader_ready(uint64_t i) {
    (void)i;
    omsvc_node_leader_ready(node, 5, 10, NULL);
}
static void configuration_changed(uint64_t i) {
    (void)i;
    omsvc_node_configuration_changed(node, 5, 10, peers, 3, NULL);
}

/* Median ns per call over ROUNDS rounds of CALLS calls. */
static double measure(call_fn call) {
    double samples[ROUNDS];
    int round;
    uint64_t i;
    for (i = 0; i < CALLS / 10; i++) call(i); /* warm up */
    for (round = 0; round < ROUNDS; round++) {
        double began = now_ns();
        for (i = 0; i < CALLS; i++) call(i);
        samples[round] = (now_ns() - began) / CALLS;
    }
    qsort(samples, ROUNDS, sizeof samples[0], compare);
    return samples[ROUNDS / 2];
}

int main(void) {
    omsvc_node_options options;
    struct {
        const char *name;
        call_fn call;
    } events[] = {
        {"term_index_updated", term_index_updated},
        {"applied", applied},
        {"leader_changed", leader_changed},
        {"leader_ready", leader_ready},
        {"configuration_changed", configuration_changed},
    };
    double baseline;
    size_t e;

    omsvc_node_options_init(&options, sizeof options);
    options.self_id.ptr = "om1";
    options.self_id.len = 3;
    options.sync_writes = false;
    if (omsvc_node_open(&options, &node) != OMSVC_OK) {
        fprintf(stderr, "open failed: %s\n", omsvc_last_error());
        return 1;
    }
    peers[0].ptr = "om1";
    peers[1].ptr = "om2";
    peers[2].ptr = "om3";
    peers[0].len = peers[1].len = peers[2].len = 3;
    omsvc_node_leader_changed(node, 5, peers[0], NULL);
    omsvc_node_leader_ready(node, 5, 10, NULL);
    omsvc_node_applied(node, 5, 1000, NULL);
    omsvc_node_configuration_changed(node, 5, 10, peers, 3, NULL);

    baseline = measure(empty_export);
    printf("BENCH c_empty_export value=%.2f unit=ns baseline=c_empty_export ratio=1.00\n",
           baseline);
    for (e = 0; e < sizeof events / sizeof events[0]; e++) {
        double cost = measure(events[e].call);
        printf("BENCH c_forward_%s value=%.2f unit=ns baseline=c_empty_export ratio=%.2f\n",
               events[e].name, cost, cost / baseline);
    }
    omsvc_node_free(node);
    return 0;
}
