package org.libomsvc;

import java.util.concurrent.CompletableFuture;

/**
 * The host's replication path for configuration writes: on the Ozone Manager a Ratis request.
 * {@link #submit} completes once the entry is committed and applied on this node (a Ratis reply
 * comes after the leader applied it, and services write from the leader), with the applying peer's
 * encoded response:
 *
 * <pre>{@code
 * ConfigurationSubmitter submitter = request ->
 *     raftClient.async().send(Message.valueOf(ByteString.copyFrom(request)))
 *         .thenApply(reply -> reply.getMessage().getContent().toByteArray());
 * }</pre>
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
