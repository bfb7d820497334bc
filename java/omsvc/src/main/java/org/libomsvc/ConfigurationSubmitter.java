/*
 * Licensed to the Apache Software Foundation (ASF) under one or more
 * contributor license agreements.  See the NOTICE file distributed with
 * this work for additional information regarding copyright ownership.
 * The ASF licenses this file to You under the Apache License, Version 2.0
 * (the "License"); you may not use this file except in compliance with
 * the License.  You may obtain a copy of the License at
 *
 *      http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

package org.libomsvc;

import java.util.concurrent.CompletableFuture;

/**
 * The host's replication path for configuration writes: on the Ozone Manager a Ratis request.
 * {@link #submit} completes once the entry is committed and applied on this node (a Ratis reply
 * comes after the leader applied it, and services write from the leader), with the applying peer's
 * encoded response. It completes exceptionally when Ratis did not apply the entry: check {@code
 * reply.isSuccess()}, since a failed reply has no message to decode. A leader that is stepping
 * down (a leadership transfer) fails the request with {@code LeaderSteppingDownException}; send it
 * again, a few times, so saves survive transfers. That is safe: a service's save carries its epoch,
 * and if the retry lands in a later term every peer refuses it (FENCED) rather than apply it late.
 *
 * <pre>{@code
 * ConfigurationSubmitter submitter = request -> send(raftClient, request, 5);
 *
 * static CompletableFuture<byte[]> send(RaftClient client, byte[] request, int retries) {
 *   return client.async().send(Message.valueOf(ByteString.copyFrom(request)))
 *       .handle((reply, error) -> {
 *         Throwable cause = error instanceof CompletionException ? error.getCause() : error;
 *         if (cause instanceof LeaderSteppingDownException && retries > 0) {
 *           return send(client, request, retries - 1); // the next leader takes it
 *         }
 *         CompletableFuture<byte[]> result = new CompletableFuture<>();
 *         if (cause != null) {
 *           result.completeExceptionally(cause);
 *         } else if (!reply.isSuccess()) {
 *           result.completeExceptionally(
 *               new IOException("Ratis did not apply the entry: " + reply.getException()));
 *         } else {
 *           result.complete(reply.getMessage().getContent().toByteArray());
 *         }
 *         return result;
 *       })
 *       .thenCompose(Function.identity());
 * }
 * }</pre>
 *
 * <p>{@link OMStatefulService} decodes the response and fails the save unless it is APPLIED.
 */
@FunctionalInterface
public interface ConfigurationSubmitter {
  /**
   * Replicates {@code request} (an encoded ServiceConfigurationCommand, see {@link
   * OMServiceConfigurationRequest#toByteArray()}).
   *
   * @return the encoded ServiceConfigurationResponse the StateMachine returned for the entry (see
   *     {@link OMServiceConfigurationResponse#toByteArray()})
   */
  CompletableFuture<byte[]> submit(byte[] request);
}
