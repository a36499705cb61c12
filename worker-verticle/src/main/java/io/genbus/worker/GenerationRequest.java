package io.genbus.worker;

import io.genbus.protocol.Job;

/** What a {@link Generator} is asked to make. */
public record GenerationRequest(String jobId, String model, String prompt, Long seed) {

  public static GenerationRequest of(Job job) {
    return new GenerationRequest(job.id(), job.model(), job.prompt(), job.seed());
  }
}
