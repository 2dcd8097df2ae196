package planner

import (
	"context"

	"github.com/cairnhq/cairn"
)

// checkMilestone returns ENOTFOUND "Milestone" unless the milestone is one
// of the group's.
func (p *Service) checkMilestone(ctx context.Context, groupID, milestoneID int64) error {
	m, err := p.store.MilestoneByID(ctx, milestoneID)
	if err != nil {
		return err
	}
	if m.GroupID == nil || *m.GroupID != groupID {
		return cairn.NotFound("Milestone")
	}
	return nil
}

// ListParkingLot lists a milestone's parking lot, oldest first, a page at
// a time, with the total. ENOTFOUND if the milestone is not the group's.
func (p *Service) ListParkingLot(ctx context.Context, groupID, milestoneID int64, pg cairn.Page) ([]*cairn.ParkingLotEntry, cairn.Total, error) {
	if err := p.checkMilestone(ctx, groupID, milestoneID); err != nil {
		return nil, cairn.Total{}, err
	}
	return p.store.ListParkingLot(ctx, groupID, milestoneID, pg)
}

// AddParkingLot adds a proposal, written by the acting user, to a
// milestone's parking lot: an issue of one of the group's projects or a
// free-text title, with a reason. The planning issue shows it after the
// next refresh. EINVALID for bad input or an issue outside the group;
// ENOTFOUND if the milestone is not the group's.
func (p *Service) AddParkingLot(ctx context.Context, in cairn.ParkingLotCreate) (*cairn.ParkingLotEntry, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if err := p.checkMilestone(ctx, in.GroupID, in.MilestoneID); err != nil {
		return nil, err
	}
	return p.store.CreateParkingLotEntry(ctx, in)
}

// DeleteParkingLot removes an entry from a milestone's parking lot.
// ENOTFOUND if the milestone is not the group's or the entry is not in its
// parking lot.
func (p *Service) DeleteParkingLot(ctx context.Context, groupID, milestoneID, id int64) error {
	if err := p.checkMilestone(ctx, groupID, milestoneID); err != nil {
		return err
	}
	return p.store.DeleteParkingLotEntry(ctx, groupID, milestoneID, id)
}
