"""Redress assessment: maturity self-assessments of grievance mechanisms."""
