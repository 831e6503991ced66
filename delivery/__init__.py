"""What the pipeline runs outside Terraform: the image buildspec and the release script (embedded at synth)."""
