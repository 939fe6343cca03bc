/* placeholder until the planner lands */
int main(void)
{
	return 1;
}
