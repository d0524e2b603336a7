"""Probes and markers, what is measured from them (RTO, RPO per store), and the one judgement."""
